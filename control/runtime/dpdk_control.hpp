#pragma once
// datapath::Datapath over the DPDK shell: the control thread's handle on the workers.
#include "control/datapath/datapath.hpp"
#include "dataplane/dpdk/datapath.hpp"

namespace sluice::runtime {

class DpdkControl final : public datapath::Datapath {
 public:
  explicit DpdkControl(dpdk::DpdkDatapath& datapath) noexcept : datapath_(datapath) {}

  std::string_view mode() const noexcept override { return "dpdk"; }
  datapath::DatapathStats stats() const override;
  std::shared_ptr<const pipeline::Tables> tables() const override { return datapath_.tables(); }
  void apply_tables(std::shared_ptr<const pipeline::Tables> tables) override {
    datapath_.apply_tables(std::move(tables));
  }
  std::vector<pipeline::FlowRecord> list_flows(std::optional<pipeline::ServiceId> service,
                                               std::size_t limit) override {
    return datapath_.list_flows(service, limit);
  }
  std::optional<std::uint64_t> flush_flows(std::optional<pipeline::ServiceId> service) override {
    return datapath_.flush_flows(service);
  }
  pipeline::FlowCounts flow_counts() override { return datapath_.flow_counts(); }
  std::vector<pipeline::NeighborRecord> neighbors() override { return datapath_.neighbors(); }

 private:
  dpdk::DpdkDatapath& datapath_;
};

}  // namespace sluice::runtime
