#include "dn/core/freeze.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace dn::core {
namespace {

StoredDefinition definition(const std::string& id, const std::string& schedule) {
  return StoredDefinition{.sk = "NOTIF#" + id,
                          .notification_id = id,
                          .title = "Hi {{firstName}}",
                          .body = "b-" + id,
                          .segment = "marketing",
                          .schedule = schedule,
                          .created_at = "2026-11-20T10:00:00Z",
                          .version = 3};
}

// 2026-12-03 is a Thursday.
constexpr const char* kDay = "2026-12-03";

TEST(CoreFreeze, CopiesTheDefinitionsOccurringOnTheDayInIdOrder) {
  const auto out = expand_definitions(
      kDay, {definition("z-daily", R"({"rule":"daily","start":"2026-12-01"})"),
             definition("one-date", R"({"date":"2026-12-03"})"),
             definition("other-date", R"({"date":"2026-12-04"})"),
             definition("weekend", R"({"days":["sat","sun"],"rule":"days","start":"2026-12-01"})"),
             definition("ended", R"({"end":"2026-12-02","rule":"daily","start":"2026-12-01"})"),
             definition("a-weekdays", R"({"rule":"weekdays","start":"2026-12-03"})")});
  EXPECT_TRUE(out.skipped.empty());
  ASSERT_EQ(out.copies.size(), 3U);
  EXPECT_EQ(out.copies[0].notification_id, "a-weekdays");
  EXPECT_EQ(out.copies[1].notification_id, "one-date");
  EXPECT_EQ(out.copies[2].notification_id, "z-daily");
  EXPECT_EQ(out.copies[1], (FrozenCopy{"one-date", "marketing", "Hi {{firstName}}", "b-one-date",
                                       "2026-11-20T10:00:00Z", 3}));
}

TEST(CoreFreeze, AnUnreadableDefinitionIsSkippedWithItsReasonAndTheOthersStillCopied) {
  const std::string daily = R"({"rule":"daily","start":"2026-12-01"})";
  std::vector<StoredDefinition> defs;
  auto with = [&](const std::string& id, auto change) {
    auto d = definition(id, daily);
    change(d);
    defs.push_back(d);
  };
  with("bad-schedule", [](StoredDefinition& d) { d.schedule = R"({"rule":"hourly"})"; });
  with("not-json", [](StoredDefinition& d) { d.schedule = "{"; });
  with("no-schedule", [](StoredDefinition& d) { d.schedule.reset(); });
  with("no-title", [](StoredDefinition& d) { d.title.reset(); });
  with("empty-body", [](StoredDefinition& d) { d.body = ""; });
  with("no-segment", [](StoredDefinition& d) { d.segment.reset(); });
  with("bad-segment", [](StoredDefinition& d) { d.segment = "a#b"; });
  with("mismatch", [](StoredDefinition& d) { d.notification_id = "other"; });
  with("bad id!", [](StoredDefinition&) {});
  with("no-version", [](StoredDefinition& d) { d.version.reset(); });
  with("no-created", [](StoredDefinition& d) { d.created_at.reset(); });
  with("ok", [](StoredDefinition&) {});
  with("ok", [](StoredDefinition&) {});
  defs.push_back(StoredDefinition{.unreadable = "item is not an object"});
  const auto out = expand_definitions(kDay, defs);
  ASSERT_EQ(out.copies.size(), 1U);
  EXPECT_EQ(out.copies[0].notification_id, "ok");
  ASSERT_EQ(out.skipped.size(), defs.size() - 1);
  std::map<std::string, std::string> reasons;
  for (const auto& s : out.skipped) reasons[s.key] = s.reason;
  EXPECT_EQ(reasons.size(), out.skipped.size());  // one reason per key: the second "ok" only
  EXPECT_NE(reasons["DEFINITION/NOTIF#bad-schedule"].find("schedule: "), std::string::npos);
  EXPECT_NE(reasons["DEFINITION/NOTIF#not-json"].find("schedule: "), std::string::npos);
  EXPECT_EQ(reasons["DEFINITION/NOTIF#no-schedule"], "schedule is missing");
  EXPECT_EQ(reasons["DEFINITION/NOTIF#no-title"], "title is missing");
  EXPECT_EQ(reasons["DEFINITION/NOTIF#empty-body"], "body is missing");
  EXPECT_EQ(reasons["DEFINITION/NOTIF#no-segment"], "segment is missing");
  EXPECT_FALSE(reasons["DEFINITION/NOTIF#bad-segment"].empty());
  EXPECT_EQ(reasons["DEFINITION/NOTIF#mismatch"], "notificationId does not match the sort key");
  EXPECT_FALSE(reasons["DEFINITION/NOTIF#bad id!"].empty());
  EXPECT_EQ(reasons["DEFINITION/NOTIF#no-version"], "version is missing or not a positive number");
  EXPECT_EQ(reasons["DEFINITION/NOTIF#no-created"], "createdAt is missing");
  EXPECT_EQ(reasons["DEFINITION/NOTIF#ok"], "duplicate notificationId");
  EXPECT_EQ(reasons["definition 13"], "item is not an object");
}

TEST(CoreFreeze, ABadDateCopiesNothing) {
  const auto out = expand_definitions(
      "2026-02-30", {definition("d", R"({"rule":"daily","start":"2026-01-01"})")});
  EXPECT_TRUE(out.copies.empty());
  EXPECT_TRUE(out.skipped.empty());
}

}  // namespace
}  // namespace dn::core
