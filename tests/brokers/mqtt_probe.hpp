#pragma once
// Measures what an MQTT broker actually does with the features the gateway's
// contract relies on, through a plain Paho client (not the gateway): the
// findings are the feature table of docs/deployment.md, and each broker's
// test asserts its column, so a broker upgrade that changes one shows up.
#include <string>

namespace gw::test {

struct BrokerFeatures {
    bool qos1 = false;                // QoS 1 publish acknowledged and delivered
    int qos2_granted = -1;            // QoS granted to a QoS 2 subscription
    bool qos2_publish = false;        // a QoS 2 publish completes (PUBCOMP)
    bool retained_exact = false;      // late subscriber on the exact topic gets it
    bool retained_wildcard = false;   // late subscriber on a `#` filter gets it
    bool persistent_session = false;  // clean_session=false gets what was sent while away
    std::string dot_topic;            // "kept", "rewritten to <topic>" or "refused: <why>"
    bool payload_150k = false;        // 150 KB QoS 1 message delivered intact
    bool payload_1m = false;          // 1 MB QoS 1 message delivered intact
};

// Probes the broker at `uri`; `tag` keeps topics and client ids apart.
BrokerFeatures probe_broker(const std::string& uri, const std::string& tag);

std::string describe(const BrokerFeatures& f);

}  // namespace gw::test
