// ns-3 peer for enisim's point-to-point scenarios (see run.sh beside this file).
//
// The canonical ns-3 point-to-point setup, kept minimal so that it measures the
// simulator and nothing else: no internet stack, no traffic-control layer, no
// applications, pcap or logging. A sender at n0 hands a 92 B packet to its
// PointToPointNetDevice every `interval` (the device adds the 2 B PPP header:
// 94 B on the wire, 752 ns at 1 Gb/s); each link is 1 Gb/s with 1 µs delay and
// a DropTail queue of `queue` packets. In the chain, the receive callbacks on
// the middle nodes forward the packet on their next device at once (a router
// with zero processing time); the last device counts the packet and its
// one-way latency (send time kept in a vector indexed by the packet's uid, so
// it stays right whatever is dropped where).
//
//   p2p   -scenario=p2p   : n0 -- n1                 (1 link)
//   chain -scenario=chain : n0 -- n1 -- n2 -- n3     (3 links)
//
// Output: one line of key=value pairs. `wall_s` is the wall time of
// Simulator::Run() alone (topology setup and teardown excluded).

#include "ns3/command-line.h"
#include "ns3/data-rate.h"
#include "ns3/drop-tail-queue.h"
#include "ns3/node-container.h"
#include "ns3/node.h"
#include "ns3/net-device-container.h"
#include "ns3/nstime.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/queue-size.h"
#include "ns3/simulator.h"
#include "ns3/string.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

// Traffic.
uint64_t g_packets = 1000000;
uint32_t g_payload = 92; // bytes handed to the device (94 on the wire)
Time g_interval;
Ptr<NetDevice> g_src;      // n0's device
Address g_srcDest;         // the peer's address (p2p ignores it, but be proper)
uint64_t g_sent = 0;       // Send() calls made
uint64_t g_dropped = 0;    // refused by the first device (queue full)
uint64_t g_fwdDropped = 0; // refused by a forwarding device (chain only)

// Latency: send time [ns] by packet uid - g_uid0.
std::vector<int64_t> g_sendNs;
uint64_t g_uid0 = 0;
uint64_t g_delivered = 0;
uint64_t g_unmatched = 0; // deliveries whose uid fell outside the table
int64_t g_latMin = std::numeric_limits<int64_t>::max();
int64_t g_latMax = 0;
long double g_latSum = 0;

void
SendOne()
{
    Ptr<Packet> p = Create<Packet>(g_payload);
    const uint64_t idx = p->GetUid() - g_uid0;
    if (idx < g_sendNs.size())
    {
        g_sendNs[idx] = Simulator::Now().GetNanoSeconds();
    }
    if (!g_src->Send(p, g_srcDest, 0x0800))
    {
        ++g_dropped;
    }
    if (++g_sent < g_packets)
    {
        Simulator::Schedule(g_interval, &SendOne);
    }
}

bool
Sink(Ptr<NetDevice>, Ptr<const Packet> p, uint16_t, const Address&)
{
    const uint64_t idx = p->GetUid() - g_uid0;
    ++g_delivered;
    if (idx >= g_sendNs.size())
    {
        ++g_unmatched;
        return true;
    }
    const int64_t lat = Simulator::Now().GetNanoSeconds() - g_sendNs[idx];
    g_latMin = std::min(g_latMin, lat);
    g_latMax = std::max(g_latMax, lat);
    g_latSum += lat;
    return true;
}

// A zero-cost router port: whatever arrives on the device this is bound to
// leaves at once on `out`.
struct Forwarder
{
    Ptr<NetDevice> out;
    Address dest;

    bool Rx(Ptr<NetDevice>, Ptr<const Packet> p, uint16_t proto, const Address&)
    {
        if (!out->Send(p->Copy(), dest, proto))
        {
            ++g_fwdDropped;
        }
        return true;
    }
};

} // namespace

int
main(int argc, char* argv[])
{
    std::string scenario = "p2p";
    uint64_t intervalNs = 800;
    uint32_t queuePackets = 100;
    std::string rate = "1Gbps";
    uint64_t delayNs = 1000;

    CommandLine cmd(__FILE__);
    cmd.AddValue("scenario", "p2p (one link) or chain (three links)", scenario);
    cmd.AddValue("interval", "time between packets [ns]", intervalNs);
    cmd.AddValue("packets", "packets to send", g_packets);
    cmd.AddValue("payload", "bytes handed to the device (wire adds 2 B PPP)", g_payload);
    cmd.AddValue("queue", "DropTail queue of each device [packets]", queuePackets);
    cmd.AddValue("rate", "link DataRate", rate);
    cmd.AddValue("delay", "link propagation delay [ns]", delayNs);
    cmd.Parse(argc, argv);

    uint32_t hops;
    if (scenario == "p2p")
    {
        hops = 1;
    }
    else if (scenario == "chain")
    {
        hops = 3;
    }
    else
    {
        std::fprintf(stderr, "unknown -scenario=%s (p2p or chain)\n", scenario.c_str());
        return 2;
    }

    NodeContainer nodes;
    nodes.Create(hops + 1);

    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(rate));
    p2p.SetChannelAttribute("Delay", TimeValue(NanoSeconds(delayNs)));
    p2p.SetQueue("ns3::DropTailQueue<Packet>",
                 "MaxSize",
                 QueueSizeValue(QueueSize(QueueSizeUnit::PACKETS, queuePackets)));
    // No NetDeviceQueueInterface: nothing above the device to flow-control.
    p2p.DisableFlowControl();

    // links[i] joins node i (device 0) to node i+1 (device 1).
    std::vector<NetDeviceContainer> links;
    for (uint32_t i = 0; i < hops; ++i)
    {
        links.push_back(p2p.Install(nodes.Get(i), nodes.Get(i + 1)));
    }

    g_src = links[0].Get(0);
    g_srcDest = links[0].Get(1)->GetAddress();

    // Middle nodes forward; the last device sinks. SetReceiveCallback replaces
    // the Node's own (protocol-handler) dispatch installed by AddDevice.
    std::vector<Forwarder> fwd(hops - 1);
    for (uint32_t i = 0; i + 1 < hops; ++i)
    {
        fwd[i].out = links[i + 1].Get(0);
        fwd[i].dest = links[i + 1].Get(1)->GetAddress();
        links[i].Get(1)->SetReceiveCallback(MakeCallback(&Forwarder::Rx, &fwd[i]));
    }
    links[hops - 1].Get(1)->SetReceiveCallback(MakeCallback(&Sink));

    g_interval = NanoSeconds(intervalNs);
    g_sendNs.assign(g_packets, 0);
    {
        // The next packet created gets the next uid.
        Ptr<Packet> probe = Create<Packet>(0);
        g_uid0 = probe->GetUid() + 1;
    }
    if (g_packets > 0)
    {
        Simulator::Schedule(Seconds(0), &SendOne);
    }

    const auto t0 = std::chrono::steady_clock::now();
    Simulator::Run();
    const auto t1 = std::chrono::steady_clock::now();
    const double wall = std::chrono::duration<double>(t1 - t0).count();
    const int64_t endNs = Simulator::Now().GetNanoSeconds();
    const uint64_t events = Simulator::GetEventCount();

    // What every device still holds (0 once Run() has drained everything).
    uint64_t queued = 0;
    for (auto& l : links)
    {
        auto d = DynamicCast<PointToPointNetDevice>(l.Get(0));
        queued += d->GetQueue()->GetNPackets();
    }
    Simulator::Destroy();

    const uint64_t matched = g_delivered - g_unmatched;
    std::printf("scenario=%s interval_ns=%" PRIu64 " generated=%" PRIu64 " delivered=%" PRIu64
                " dropped=%" PRIu64 " dropped_fwd=%" PRIu64 " queued=%" PRIu64
                " unmatched=%" PRIu64 " lat_min_ns=%" PRId64 " lat_max_ns=%" PRId64
                " lat_mean_ns=%.3f sim_end_ns=%" PRId64 " events=%" PRIu64 " wall_s=%.6f"
                " pkts_per_wall_s=%.1f\n",
                scenario.c_str(),
                intervalNs,
                g_sent,
                g_delivered,
                g_dropped + g_fwdDropped,
                g_fwdDropped,
                queued,
                g_unmatched,
                matched ? g_latMin : 0,
                matched ? g_latMax : 0,
                matched ? static_cast<double>(g_latSum / matched) : 0.0,
                endNs,
                events,
                wall,
                wall > 0 ? static_cast<double>(g_sent) / wall : 0.0);
    return 0;
}
