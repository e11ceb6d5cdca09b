// SMTP pieces that need no network: the URL forms (credentials only with STARTTLS), the sender
// address, and the DATA payload (CRLF line ends, dot-stuffing, encoded subjects, no header
// injection).
#include <gtest/gtest.h>

#include "marketsim/mail/smtp.hpp"

using namespace marketsim;
using namespace marketsim::mail;

TEST(Smtp, UrlForms) {
  auto plain = parse_smtp_url("smtp://relay.local:2525");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->host, "relay.local");
  EXPECT_EQ(plain->port, "2525");
  EXPECT_FALSE(plain->starttls);
  auto tls = parse_smtp_url("smtp+starttls://me%40x.org:p%2Fw@mail.x.org");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->starttls);
  EXPECT_EQ(tls->port, "587");
  EXPECT_EQ(tls->user, "me@x.org");
  EXPECT_EQ(tls->password, "p/w");
  EXPECT_EQ(tls->host, "mail.x.org");
  // User info is not form-encoded: '+' stays a plus.
  auto plus = parse_smtp_url("smtp+starttls://me+tag%40x.org:p+w@mail.x.org");
  ASSERT_TRUE(plus);
  EXPECT_EQ(plus->user, "me+tag@x.org");
  EXPECT_EQ(plus->password, "p+w");
  EXPECT_EQ(parse_smtp_url("smtp://relay").value().port, "25");
}

TEST(Smtp, UrlRefusals) {
  EXPECT_FALSE(parse_smtp_url("http://relay:25"));
  EXPECT_FALSE(parse_smtp_url("smtp://"));
  EXPECT_FALSE(parse_smtp_url("smtp://relay:port"));
  // Credentials never travel in clear.
  auto clear = parse_smtp_url("smtp://user:pass@relay:25");
  ASSERT_FALSE(clear);
  EXPECT_EQ(clear.error().code, errc::config_malformed);
}

TEST(Smtp, SenderAddress) {
  EXPECT_EQ(mail_address("marketsim <noreply@example.com>"), "noreply@example.com");
  EXPECT_EQ(mail_address("noreply@example.com"), "noreply@example.com");
}

TEST(Smtp, PayloadLinesDotsAndHeaders) {
  outgoing_mail m{"marketsim <noreply@example.com>",
                  "ada@example.com",
                  "Hello",
                  "line one\n.starts with a dot\nlast",
                  0,
                  "1.2@marketsim"};
  auto p = smtp_payload(m);
  EXPECT_NE(p.find("From: marketsim <noreply@example.com>\r\n"), std::string::npos);
  EXPECT_NE(p.find("To: ada@example.com\r\n"), std::string::npos);
  EXPECT_NE(p.find("Subject: Hello\r\n"), std::string::npos);
  EXPECT_NE(p.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(p.find("Message-ID: <1.2@marketsim>\r\n"), std::string::npos);
  EXPECT_NE(p.find("\r\n\r\nline one\r\n..starts with a dot\r\nlast\r\n.\r\n"), std::string::npos);
  EXPECT_TRUE(p.ends_with("\r\n.\r\n"));
}

TEST(Smtp, NonAsciiSubjectIsEncodedAndNoHeaderCanBeInjected) {
  outgoing_mail m{"a@b.c", "x@y.z\r\nBcc: victim@evil.example", "Grüße\r\nX-Injected: 1", "b", 0,
                  "id"};
  auto p = smtp_payload(m);
  EXPECT_NE(p.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_EQ(p.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(p.find("\r\nX-Injected:"), std::string::npos);
}
