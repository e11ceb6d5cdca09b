// Public profiles' owners (see public_profiles.hpp). db::pool threads.
#include "marketsim/db/public_profiles.hpp"

#include <pqxx/pqxx>

#include "marketsim/db/account_repo.hpp"

namespace marketsim::db::profile_repo {

std::optional<public_owner> find_public_owner(connection& c, std::string_view tag) {
  auto user = account_repo::find_user_by_tag(c, tag);
  if (!user || !user->public_profile || user->status != auth::user_status::active)
    return std::nullopt;
  public_owner out{*user, std::nullopt};
  pqxx::read_transaction tx(c);
  auto r = tx.exec_params("select id from accounts where user_id = $1", user->id);
  if (!r.empty()) out.player = trading_repo::player{r[0][0].as<std::int64_t>(), user->id};
  return out;
}

}  // namespace marketsim::db::profile_repo
