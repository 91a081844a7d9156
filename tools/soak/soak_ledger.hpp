#pragma once
// The soak's bookkeeping for one QoS: what the publisher sent and the broker
// acknowledged, what the subscriber read from the wire, completed and
// delivered, message by message (messages are numbered 1, 2, ...). At the
// end it accounts for every message: lost, duplicated or out of order, and
// whose doing each loss and duplicate is, from what was seen on the wire:
//
//   lost, the broker's:  the broker acknowledged it (PUBACK or PUBREC) and
//                        never delivered it
//   lost, Braid's:       the subscriber read it and did not deliver it, or
//                        the publisher never got it acknowledged
//   duplicate, the broker's: sent again as a new message (DUP 0), or
//                        replayed (DUP 1) after its exchange was over
//                        (PUBCOMP, or PUBACK, already sent), or sent twice
//                        because it lost the publisher's session (the
//                        publisher then sends what was in flight again as
//                        new: session_lost_policy::republish)
//   duplicate, open exchange: DUP 1 while its exchange was open: at QoS 1 the
//                        resend at least once allows; at QoS 2 Braid's
//   Braid's resend:      the publisher sent a message again after the broker
//                        had acknowledged it
//
// Not thread-safe: the soak calls it from its clients' one thread.

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace braid::soak {

struct ledger_report {
  std::uint64_t published = 0;    ///< publishes started
  std::uint64_t acknowledged = 0; ///< of which the broker acknowledged (PUBACK / PUBREC)
  std::uint64_t completed = 0;    ///< of which the publish completed without error
  std::uint64_t received = 0;     ///< distinct messages delivered to the subscriber
  std::uint64_t lost_broker = 0;
  std::uint64_t lost_braid_read = 0;         ///< read from the wire, never delivered
  std::uint64_t lost_braid_unacked = 0;      ///< never acknowledged by the broker
  std::uint64_t duplicate_broker_new = 0;    ///< sent again with DUP 0
  std::uint64_t duplicate_broker_replay = 0; ///< DUP 1 after the exchange was over
  /// The publisher sent it again as new after the broker lost its session.
  std::uint64_t duplicate_republished = 0;
  /// DUP 1 while its exchange was open: QoS 1's at-least-once resend; a
  /// fault of Braid's at QoS 2.
  std::uint64_t duplicate_open_exchange = 0;
  std::uint64_t resent_after_ack = 0; ///< the publisher's, after the broker acknowledged
  std::uint64_t republished =
      0; ///< sent again as new by the publisher (the broker lost its session)
  std::uint64_t out_of_order = 0;    ///< first deliveries after a later message's
  std::uint64_t replays_on_wire = 0; ///< DUP 1 PUBLISH read after the message's exchange was over

  std::uint64_t lost() const { return lost_broker + lost_braid_read + lost_braid_unacked; }
  std::uint64_t duplicated() const {
    return duplicate_broker_new + duplicate_broker_replay + duplicate_republished +
           duplicate_open_exchange;
  }
};

class soak_ledger {
public:
  // --- the publisher
  void published(std::uint64_t n);
  /// A PUBLISH written; `dup`: a resend (else a first attempt, or the
  /// message sent again as new after the broker lost the session).
  void publish_sent(std::uint16_t packet_id, std::uint64_t n, bool dup);
  /// PUBACK (QoS 1) or PUBREC (QoS 2) read for this packet id.
  void broker_acknowledged(std::uint16_t packet_id);
  void publish_completed(std::uint64_t n, bool ok);

  // --- the subscriber
  void publish_read(std::uint16_t packet_id, std::uint64_t n, bool dup);
  /// PUBACK (QoS 1) or PUBCOMP (QoS 2) written for this packet id.
  void exchange_completed(std::uint16_t packet_id);
  void delivered(std::uint64_t n, bool dup, std::uint16_t packet_id = 0);
  /// Told of every duplicate and of every loss found by report(), in words
  /// (the soak's -v).
  std::function<void(const std::string&)> on_event;

  std::uint64_t published_count() const { return published_; }
  std::uint64_t delivered_count() const { return distinct_delivered_; }
  /// Every acknowledged message delivered, and every publish completed.
  bool settled() const;

  ledger_report report() const;

private:
  struct message {
    bool acknowledged = false;
    bool sent = false;        // a first attempt (DUP 0) was written
    bool republished = false; // and then another
    bool completed_ok = false;
    bool completed = false;
    bool read = false;          // the subscriber read a PUBLISH carrying it
    bool exchange_over = false; // the subscriber completed an exchange carrying it
    std::uint32_t deliveries = 0;
    std::uint16_t delivered_id = 0; // the packet id of the latest delivery
  };
  message& at(std::uint64_t n);

  std::vector<message> messages_;                                   // index n - 1
  std::unordered_map<std::uint16_t, std::uint64_t> publisher_ids_;  // in flight: id -> n
  std::unordered_map<std::uint16_t, std::uint64_t> subscriber_ids_; // open: id -> n
  std::uint64_t published_ = 0;
  std::uint64_t distinct_delivered_ = 0;
  std::uint64_t highest_delivered_ = 0;
  ledger_report counts_; // what is counted as it happens
};

/// The table of the soak's end, one column per ledger ("QoS 1", "QoS 2").
std::string format_table(const std::vector<std::pair<std::string, ledger_report>>& columns);

/// Whether a report shows a fault of Braid's: a loss, a QoS 2 duplicate
/// (`exactly_once`) or a resend after acknowledgement.
bool braid_at_fault(const ledger_report& r, bool exactly_once);

} // namespace braid::soak
