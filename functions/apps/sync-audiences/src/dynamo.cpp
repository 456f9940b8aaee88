#include "dynamo.hpp"

#include <utility>

#include "dn/aws/attributes.hpp"
#include "dn/aws/dynamodb.hpp"
#include "dn/aws/sqs.hpp"
#include "dn/core/keys.hpp"

namespace dn::sync_audiences {

namespace keys = dn::core::keys;
using audience::OpKind;

namespace {

nlohmann::json key_of(const audience::Op& op) {
  const bool member = op.kind == OpKind::put_member || op.kind == OpKind::delete_member;
  return {{std::string(keys::kPk),
           aws::attr::str(member ? keys::segment_pk(op.segment) : keys::user_pk(op.user_id))},
          {std::string(keys::kSk),
           aws::attr::str(member ? keys::member_sk(op.user_id) : std::string(keys::kProfileSk))}};
}

}  // namespace

nlohmann::json write_request(const audience::Op& op) {
  auto item = key_of(op);
  if (op.kind == OpKind::delete_member || op.kind == OpKind::delete_profile) {
    return {{"DeleteRequest", {{"Key", std::move(item)}}}};
  }
  const auto& p = op.profile;
  item["userId"] = aws::attr::str(op.user_id);
  item["displayName"] = aws::attr::str(p.display_name);
  if (p.first_name) item["firstName"] = aws::attr::str(*p.first_name);
  if (p.locale) item["locale"] = aws::attr::str(*p.locale);
  if (p.time_zone) item["timeZone"] = aws::attr::str(*p.time_zone);
  if (op.kind == OpKind::put_profile) item["source"] = aws::attr::str("users");
  return {{"PutRequest", {{"Item", std::move(item)}}}};
}

aws::Result<void> DynamoWriter::write(const std::vector<audience::Op>& ops) {
  std::vector<nlohmann::json> deletes;
  std::vector<nlohmann::json> rest;
  for (const auto& op : ops) {
    (op.kind == OpKind::delete_member ? deletes : rest).push_back(write_request(op));
  }
  aws::DynamoDb db(*client_);
  if (!deletes.empty()) {
    if (auto r = db.batch_write(table_, std::move(deletes)); !r.ok()) return r;
  }
  if (rest.empty()) return {};
  return db.batch_write(table_, std::move(rest));
}

aws::Result<void> SqsQueue::send_continue() {
  return aws::Sqs(*client_).send_all(queue_url_, {{"continue", R"({"reason":"continue"})", {}}});
}

}  // namespace dn::sync_audiences
