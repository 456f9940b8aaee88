#include "fake_aws.hpp"

#include <algorithm>
#include <exception>

namespace dn::aws::testing {
namespace {

using nlohmann::json;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (true) {
    const auto next = s.find(sep, at);
    out.push_back(trim(s.substr(at, next == std::string::npos ? std::string::npos : next - at)));
    if (next == std::string::npos) return out;
    at = next + sep.size();
  }
}

std::string name_of(const std::string& token, const json& names) {
  if (!token.empty() && token.front() == '#') return names.at(token).get<std::string>();
  return token;
}

// -1, 0, 1 comparing two AttributeValues of the same type (S or N); nullopt otherwise.
std::optional<int> compare(const json& a, const json& b) {
  if (a.contains("S") && b.contains("S")) {
    const auto x = a["S"].get<std::string>();
    const auto y = b["S"].get<std::string>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.contains("N") && b.contains("N")) {
    const double x = std::stod(a["N"].get<std::string>());
    const double y = std::stod(b["N"].get<std::string>());
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a == b) return 0;
  return std::nullopt;
}

bool atom(const std::string& text, const json& item, const json& names, const json& values) {
  auto attr = [&](const std::string& token) -> const json* {
    if (!item.is_object()) return nullptr;
    const auto it = item.find(name_of(trim(token), names));
    return it == item.end() ? nullptr : &*it;
  };
  auto inside = [&](const std::string& fn) {
    return trim(text.substr(fn.size() + 1, text.size() - fn.size() - 2));
  };
  if (text.rfind("attribute_exists(", 0) == 0) return attr(inside("attribute_exists")) != nullptr;
  if (text.rfind("attribute_not_exists(", 0) == 0) {
    return attr(inside("attribute_not_exists")) == nullptr;
  }
  if (text.rfind("begins_with(", 0) == 0) {
    const auto args = split(inside("begins_with"), ",");
    const json* a = attr(args.at(0));
    const json& prefix = values.at(args.at(1));
    return a != nullptr && a->contains("S") &&
           (*a)["S"].get<std::string>().rfind(prefix["S"].get<std::string>(), 0) == 0;
  }
  for (const std::string op : {"<>", "<=", ">=", "=", "<", ">"}) {
    const auto at = text.find(" " + op + " ");
    if (at == std::string::npos) continue;
    const json* a = attr(text.substr(0, at));
    const json& v = values.at(trim(text.substr(at + op.size() + 2)));
    if (a == nullptr) return false;
    const auto c = compare(*a, v);
    if (!c) return op == "<>";
    if (op == "=") return *c == 0;
    if (op == "<>") return *c != 0;
    if (op == "<") return *c < 0;
    if (op == ">") return *c > 0;
    if (op == "<=") return *c <= 0;
    return *c >= 0;
  }
  throw std::runtime_error("fake_aws: unsupported expression: " + text);
}

// `s` split at `sep` outside parentheses (AND binds tighter than OR, as in DynamoDB).
std::vector<std::string> split_top(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  int depth = 0;
  std::size_t from = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    if (depth == 0 && s.compare(i, sep.size(), sep) == 0) {
      out.push_back(trim(s.substr(from, i - from)));
      from = i + sep.size();
      i = from - 1;
    }
  }
  out.push_back(trim(s.substr(from)));
  return out;
}

// `(x)` -> `x` when the parentheses enclose the whole expression.
std::string unwrap(std::string s) {
  while (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    int depth = 0;
    std::size_t close = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '(') ++depth;
      if (s[i] == ')' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close != s.size() - 1) break;
    s = trim(s.substr(1, s.size() - 2));
  }
  return s;
}

StubResponse error(const std::string& type, const std::string& message) {
  return json_response(
      400,
      json{{"__type", "com.amazonaws.dynamodb.v20120810#" + type}, {"message", message}}.dump());
}

std::string s_of(const json& item, const char* name) {
  const auto it = item.find(name);
  return it != item.end() && it->contains("S") ? (*it)["S"].get<std::string>() : std::string();
}

}  // namespace

bool evaluate_condition(const std::string& expression, const json& item, const json& names,
                        const json& values) {
  const std::string e = unwrap(trim(expression));
  const auto any = split_top(e, " OR ");
  if (any.size() > 1) {
    return std::any_of(any.begin(), any.end(), [&](const std::string& part) {
      return evaluate_condition(part, item, names, values);
    });
  }
  const auto all = split_top(e, " AND ");
  if (all.size() > 1) {
    return std::all_of(all.begin(), all.end(), [&](const std::string& part) {
      return evaluate_condition(part, item, names, values);
    });
  }
  return atom(e, item, names, values);
}

std::string FakeAws::operation(const StubRequest& request) {
  const std::string target = request.header("x-amz-target");
  const auto dot = target.find('.');
  return dot == std::string::npos ? target : target.substr(dot + 1);
}

StubResponse FakeAws::handle(const StubRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return json_response(400, R"({"__type":"SerializationException"})");
  const std::string op = operation(request);
  const std::lock_guard lock(mutex_);
  try {
    if (op == "Query") return query(body);
    if (op == "PutItem") return put_item(body);
    if (op == "UpdateItem") return update_item(body);
    if (op == "BatchWriteItem") return batch_write(body);
    if (op == "TransactWriteItems") return transact_write(body);
    if (op == "SendMessageBatch") return send(body, true);
    if (op == "SendMessage") return send(body, false);
  } catch (const std::exception& e) {
    return error("ValidationException", e.what());
  }
  return json_response(400, R"({"__type":"UnknownOperationException"})");
}

StubResponse FakeAws::query(const json& body) {
  const json names = body.value("ExpressionAttributeNames", json::object());
  const json values = body.value("ExpressionAttributeValues", json::object());
  const std::string key_condition = body.at("KeyConditionExpression");
  const std::string filter = body.value("FilterExpression", "");
  const bool forward = body.value("ScanIndexForward", true);
  const std::size_t limit = body.value("Limit", std::size_t{1000000});
  std::vector<const json*> matching;
  for (const auto& [key, item] : items_) {
    if (evaluate_condition(key_condition, item, names, values)) matching.push_back(&item);
  }
  if (!forward) std::reverse(matching.begin(), matching.end());
  std::size_t start = 0;
  if (const auto esk = body.find("ExclusiveStartKey"); esk != body.end()) {
    const Key after{s_of(*esk, "pk"), s_of(*esk, "sk")};
    while (start < matching.size()) {
      const Key k{s_of(*matching[start], "pk"), s_of(*matching[start], "sk")};
      if (forward ? k > after : k < after) break;
      ++start;
    }
  }
  json out{{"Items", json::array()}};
  std::size_t evaluated = 0;
  for (std::size_t i = start; i < matching.size() && evaluated < limit; ++i, ++evaluated) {
    if (filter.empty() || evaluate_condition(filter, *matching[i], names, values)) {
      out["Items"].push_back(*matching[i]);
    }
    // DynamoDB answers a LastEvaluatedKey whenever Limit stopped it, even at the very end.
    if (evaluated + 1 == limit) {
      out["LastEvaluatedKey"] = {{"pk", (*matching[i])["pk"]}, {"sk", (*matching[i])["sk"]}};
    }
  }
  out["Count"] = out["Items"].size();
  return json_response(200, out.dump());
}

StubResponse FakeAws::put_item(const json& body) {
  const json& item = body.at("Item");
  const Key key{s_of(item, "pk"), s_of(item, "sk")};
  if (const auto cond = body.find("ConditionExpression"); cond != body.end()) {
    const auto it = items_.find(key);
    if (!evaluate_condition(*cond, it == items_.end() ? json(nullptr) : it->second,
                            body.value("ExpressionAttributeNames", json::object()),
                            body.value("ExpressionAttributeValues", json::object()))) {
      return error("ConditionalCheckFailedException", "The conditional request failed");
    }
  }
  items_[key] = item;
  ++writes_;
  return json_response(200, "{}");
}

StubResponse FakeAws::update_item(const json& body) {
  const json& k = body.at("Key");
  const Key key{s_of(k, "pk"), s_of(k, "sk")};
  const json names = body.value("ExpressionAttributeNames", json::object());
  const json values = body.value("ExpressionAttributeValues", json::object());
  const auto it = items_.find(key);
  const json current = it == items_.end() ? json(nullptr) : it->second;
  if (const auto cond = body.find("ConditionExpression"); cond != body.end()) {
    if (!evaluate_condition(*cond, current, names, values)) {
      return error("ConditionalCheckFailedException", "The conditional request failed");
    }
  }
  json next = current.is_null() ? k : current;
  std::string expr = body.at("UpdateExpression");
  if (expr.rfind("SET ", 0) != 0) throw std::runtime_error("fake_aws: only SET updates");
  for (const auto& part : split(expr.substr(4), ",")) {
    const auto eq = part.find(" = ");
    next[name_of(trim(part.substr(0, eq)), names)] = values.at(trim(part.substr(eq + 3)));
  }
  items_[key] = next;
  ++writes_;
  return json_response(200, "{}");
}

StubResponse FakeAws::batch_write(const json& body) {
  for (const auto& [table, requests] : body.at("RequestItems").items()) {
    for (const auto& r : requests) {
      if (r.contains("PutRequest")) {
        const json& item = r["PutRequest"]["Item"];
        items_[{s_of(item, "pk"), s_of(item, "sk")}] = item;
        ++writes_;
      } else {
        const json& key = r.at("DeleteRequest").at("Key");
        items_.erase({s_of(key, "pk"), s_of(key, "sk")});
      }
    }
  }
  return json_response(200, R"({"UnprocessedItems":{}})");
}

StubResponse FakeAws::transact_write(const json& body) {
  // Every action's condition against the table as it is; one false cancels them all.
  json reasons = json::array();
  bool cancelled = false;
  for (const auto& action : body.at("TransactItems")) {
    const json& put = action.at("Put");  // only Puts: what the functions send
    const json& item = put.at("Item");
    const auto it = items_.find({s_of(item, "pk"), s_of(item, "sk")});
    const bool holds = !put.contains("ConditionExpression") ||
                       evaluate_condition(put["ConditionExpression"],
                                          it == items_.end() ? json(nullptr) : it->second,
                                          put.value("ExpressionAttributeNames", json::object()),
                                          put.value("ExpressionAttributeValues", json::object()));
    reasons.push_back({{"Code", holds ? "None" : "ConditionalCheckFailed"}});
    cancelled = cancelled || !holds;
  }
  if (cancelled) {
    return json_response(400, json{{"__type",
                                    "com.amazonaws.dynamodb.v20120810#"
                                    "TransactionCanceledException"},
                                   {"message", "Transaction cancelled"},
                                   {"CancellationReasons", reasons}}
                                  .dump());
  }
  for (const auto& action : body.at("TransactItems")) {
    const json& item = action["Put"]["Item"];
    items_[{s_of(item, "pk"), s_of(item, "sk")}] = item;
    ++writes_;
  }
  return json_response(200, "{}");
}

StubResponse FakeAws::send(const json& body, bool batch) {
  auto& queue = queues_[body.at("QueueUrl").get<std::string>()];
  auto enqueue = [&](const json& entry) {
    FakeMessage m{"m-" + std::to_string(++next_message_), entry.at("MessageBody"),
                  entry.value("DelaySeconds", 0)};
    queue.push_back(m);
    return m.message_id;
  };
  if (!batch) return json_response(200, json{{"MessageId", enqueue(body)}}.dump());
  json ok = json::array();
  for (const auto& entry : body.at("Entries")) {
    ok.push_back({{"Id", entry.at("Id")}, {"MessageId", enqueue(entry)}});
  }
  return json_response(200, json{{"Successful", ok}, {"Failed", json::array()}}.dump());
}

void FakeAws::put(const json& item) {
  const std::lock_guard lock(mutex_);
  items_[{s_of(item, "pk"), s_of(item, "sk")}] = item;
}

std::optional<json> FakeAws::item(const std::string& pk, const std::string& sk) const {
  const std::lock_guard lock(mutex_);
  const auto it = items_.find({pk, sk});
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

std::vector<json> FakeAws::items(const std::string& pk_prefix, const std::string& sk_prefix) const {
  const std::lock_guard lock(mutex_);
  std::vector<json> out;
  for (const auto& [key, item] : items_) {
    if (key.first.rfind(pk_prefix, 0) == 0 && key.second.rfind(sk_prefix, 0) == 0) {
      out.push_back(item);
    }
  }
  return out;
}

std::vector<FakeMessage> FakeAws::take_messages(const std::string& queue_url) {
  const std::lock_guard lock(mutex_);
  auto out = std::move(queues_[queue_url]);
  queues_[queue_url].clear();
  return out;
}

std::size_t FakeAws::writes() const {
  const std::lock_guard lock(mutex_);
  return writes_;
}

}  // namespace dn::aws::testing
