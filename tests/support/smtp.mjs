// A small SMTP server for tests (RFC 5321 subset): EHLO, optional STARTTLS (with a given key and
// certificate) and AUTH PLAIN, MAIL, RCPT, DATA, QUIT. It records every command and message,
// and can be told to refuse RCPT with a temporary error.
import net from "node:net";
import tls from "node:tls";

export async function startSmtpServer({ tlsOptions, refuseRcpt = false } = {}) {
  const state = { commands: [], messages: [], authed: [], refuseRcpt };
  const server = net.createServer((raw) => {
    let socket = raw;
    let secure = false;
    let buffer = "";
    let inData = false;
    let data = "";
    let envelope = {};
    const send = (line) => socket.write(`${line}\r\n`);
    const onLine = (line) => {
      if (inData) {
        if (line === ".") {
          inData = false;
          state.messages.push({ ...envelope, data, secure });
          envelope = {};
          data = "";
          send("250 2.0.0 queued");
        } else {
          data += (line.startsWith("..") ? line.slice(1) : line) + "\r\n";
        }
        return;
      }
      state.commands.push({ line, secure });
      const verb = line.split(" ")[0].toUpperCase();
      if (verb === "EHLO") {
        const ext = tlsOptions && !secure ? ["STARTTLS"] : secure ? ["AUTH PLAIN"] : [];
        const lines = ["test.smtp greets you", ...ext];
        lines.forEach((l, i) => send(`250${i === lines.length - 1 ? " " : "-"}${l}`));
      } else if (verb === "STARTTLS" && tlsOptions && !secure) {
        send("220 2.0.0 ready");
        raw.removeAllListeners("data");
        socket = new tls.TLSSocket(raw, { isServer: true, ...tlsOptions });
        secure = true;
        buffer = "";
        socket.setEncoding("utf8").on("data", onData);
        socket.on("error", () => {});
      } else if (verb === "AUTH") {
        const decoded = Buffer.from(line.split(" ")[2] ?? "", "base64").toString("utf8").split("\0");
        state.authed.push({ user: decoded[1], password: decoded[2], secure });
        send("235 2.7.0 ok");
      } else if (verb === "MAIL") {
        envelope.from = /<(.*)>/.exec(line)?.[1];
        send("250 2.1.0 ok");
      } else if (verb === "RCPT") {
        if (state.refuseRcpt) return send("451 4.3.0 try again later");
        envelope.to = /<(.*)>/.exec(line)?.[1];
        send("250 2.1.5 ok");
      } else if (verb === "DATA") {
        inData = true;
        send("354 go ahead");
      } else if (verb === "QUIT") {
        send("221 bye");
        socket.end();
      } else {
        send("502 5.5.1 unknown");
      }
    };
    const onData = (chunk) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        onLine(line);
      }
    };
    raw.setEncoding("utf8").on("data", onData);
    raw.on("error", () => {});
    send("220 test.smtp ESMTP");
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: server.address().port,
    state,
    close: () => new Promise((r) => server.close(r)),
  };
}
