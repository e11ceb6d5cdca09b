// Who a public profile belongs to (issue 11): the player with a tag, only while their profile
// is public and their account active, and their trading account if they have one. Read on every
// request for a profile, before anything else, so turning the switch off takes the profile down
// at the next request on every instance, whatever is cached. db::pool threads.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "marketsim/core/principal.hpp"
#include "marketsim/db/account_reads.hpp"
#include "marketsim/db/pool.hpp"

namespace marketsim::db::profile_repo {

struct public_owner {
  auth::user_record user;
  std::optional<trading_repo::player> player;  // none: the account never opened (never played)
};

// nullopt for an unknown tag, a private profile, and an account that is not active alike.
[[nodiscard]] std::optional<public_owner> find_public_owner(connection& c, std::string_view tag);

}  // namespace marketsim::db::profile_repo
