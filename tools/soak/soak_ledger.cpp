#include "soak_ledger.hpp"

#include <algorithm>
#include <cstdio>

namespace braid::soak {

soak_ledger::message& soak_ledger::at(std::uint64_t n) {
  if (n > messages_.size()) {
    messages_.resize(n);
  }
  return messages_[n - 1];
}

void soak_ledger::published(std::uint64_t n) {
  at(n);
  published_ = std::max(published_, n);
}

void soak_ledger::publish_sent(std::uint16_t packet_id, std::uint64_t n, bool dup) {
  if (n == 0) {
    return;
  }
  auto& m = at(n);
  if (m.acknowledged) {
    ++counts_.resent_after_ack;
  }
  if (!dup) {
    if (m.sent && !m.republished) {
      m.republished = true;
      ++counts_.republished;
    }
    m.sent = true;
  }
  publisher_ids_[packet_id] = n;
}

void soak_ledger::broker_acknowledged(std::uint16_t packet_id) {
  const auto it = publisher_ids_.find(packet_id);
  if (it == publisher_ids_.end()) {
    return; // a PUBCOMP's PUBREC answered before a restart, say
  }
  at(it->second).acknowledged = true;
  publisher_ids_.erase(it);
}

void soak_ledger::publish_completed(std::uint64_t n, bool ok) {
  auto& m = at(n);
  m.completed = true;
  m.completed_ok = ok;
}

void soak_ledger::publish_read(std::uint16_t packet_id, std::uint64_t n, bool dup) {
  if (n == 0) {
    return;
  }
  auto& m = at(n);
  if (dup && m.exchange_over) {
    ++counts_.replays_on_wire;
  }
  m.read = true;
  subscriber_ids_[packet_id] = n;
}

void soak_ledger::exchange_completed(std::uint16_t packet_id) {
  const auto it = subscriber_ids_.find(packet_id);
  if (it == subscriber_ids_.end()) {
    return;
  }
  at(it->second).exchange_over = true;
  subscriber_ids_.erase(it);
}

void soak_ledger::delivered(std::uint64_t n, bool dup, std::uint16_t packet_id) {
  if (n == 0) {
    return;
  }
  auto& m = at(n);
  const auto previous_id = m.delivered_id;
  m.delivered_id = packet_id;
  if (m.deliveries++ > 0) {
    const char* why = nullptr;
    if (!dup && m.republished) {
      ++counts_.duplicate_republished;
      why = "sent twice by the publisher after the broker lost its session";
    } else if (!dup) {
      ++counts_.duplicate_broker_new;
      why = "the broker sent it again as new (DUP 0)";
    } else if (m.exchange_over) {
      ++counts_.duplicate_broker_replay;
      why = "the broker replayed it after its exchange was over (DUP 1)";
    } else {
      ++counts_.duplicate_open_exchange;
      why = "a resend (DUP 1) of an exchange still open";
    }
    if (on_event) {
      on_event("message " + std::to_string(n) + " delivered again, packet id " +
               std::to_string(packet_id) + " (before: " + std::to_string(previous_id) +
               "): " + why);
    }
    return;
  }
  ++distinct_delivered_;
  if (n < highest_delivered_) {
    ++counts_.out_of_order;
  }
  highest_delivered_ = std::max(highest_delivered_, n);
}

bool soak_ledger::settled() const {
  for (std::uint64_t n = 1; n <= published_; ++n) {
    const auto& m = messages_[n - 1];
    if (!m.completed || (m.acknowledged && m.deliveries == 0)) {
      return false;
    }
  }
  return true;
}

ledger_report soak_ledger::report() const {
  auto r = counts_;
  r.published = published_;
  r.received = distinct_delivered_;
  for (std::uint64_t n = 1; n <= published_; ++n) {
    const auto& m = messages_[n - 1];
    r.acknowledged += m.acknowledged ? 1 : 0;
    r.completed += m.completed_ok ? 1 : 0;
    if (m.deliveries > 0) {
      continue;
    }
    if (m.read) {
      ++r.lost_braid_read;
    } else if (m.acknowledged || m.completed_ok) {
      ++r.lost_broker;
    } else {
      ++r.lost_braid_unacked;
    }
  }
  return r;
}

bool braid_at_fault(const ledger_report& r, bool exactly_once) {
  return r.lost_braid_read + r.lost_braid_unacked + r.resent_after_ack > 0 ||
         (exactly_once && r.duplicate_open_exchange > 0);
}

std::string format_table(const std::vector<std::pair<std::string, ledger_report>>& columns) {
  struct row {
    const char* label;
    std::uint64_t (*value)(const ledger_report&);
  };
  static const row rows[] = {
      {"sent (publishes started)", [](const ledger_report& r) { return r.published; }},
      {"acknowledged by the broker", [](const ledger_report& r) { return r.acknowledged; }},
      {"received (distinct)", [](const ledger_report& r) { return r.received; }},
      {"lost", [](const ledger_report& r) { return r.lost(); }},
      {"  the broker's: acknowledged, never delivered",
       [](const ledger_report& r) { return r.lost_broker; }},
      {"  Braid's: read, never delivered",
       [](const ledger_report& r) { return r.lost_braid_read; }},
      {"  Braid's: never acknowledged",
       [](const ledger_report& r) { return r.lost_braid_unacked; }},
      {"duplicated (extra deliveries)", [](const ledger_report& r) { return r.duplicated(); }},
      {"  the broker's: sent again as new (DUP 0)",
       [](const ledger_report& r) { return r.duplicate_broker_new; }},
      {"  the broker's: replayed after the exchange (DUP 1)",
       [](const ledger_report& r) { return r.duplicate_broker_replay; }},
      {"  the broker's: lost the publisher's session, sent twice",
       [](const ledger_report& r) { return r.duplicate_republished; }},
      {"  resend of an open exchange (QoS 2: Braid's)",
       [](const ledger_report& r) { return r.duplicate_open_exchange; }},
      {"out of order", [](const ledger_report& r) { return r.out_of_order; }},
      {"replays read after the exchange (DUP 1)",
       [](const ledger_report& r) { return r.replays_on_wire; }},
      {"sent again as new (the broker lost the session)",
       [](const ledger_report& r) { return r.republished; }},
      {"Braid's: published again after acknowledgement",
       [](const ledger_report& r) { return r.resent_after_ack; }},
  };
  std::size_t label_width = 0;
  for (const auto& x : rows) {
    label_width = std::max(label_width, std::string_view(x.label).size());
  }
  std::string out;
  char cell[64];
  out += std::string(label_width, ' ');
  for (const auto& [name, report] : columns) {
    std::snprintf(cell, sizeof cell, " %12s", name.c_str());
    out += cell;
  }
  out += "\n";
  for (const auto& x : rows) {
    out += x.label;
    out += std::string(label_width - std::string_view(x.label).size(), ' ');
    for (const auto& [name, report] : columns) {
      std::snprintf(cell, sizeof cell, " %12llu", static_cast<unsigned long long>(x.value(report)));
      out += cell;
    }
    out += "\n";
  }
  return out;
}

} // namespace braid::soak
