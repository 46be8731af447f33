#!/usr/bin/env bash
# Re-records the kernel snapshots behind the plan golden tests. Each scenario runs in its own
# throwaway sandbox (../shared/tools/sandbox); run from the repository root after `npm run build`:
#   bash test/golden/plan/record.sh
set -euo pipefail
SANDBOX=${SANDBOX:-../shared/tools/sandbox}
G=test/golden/plan
T="node dist/cli/main.js"
rec() { echo "node test/support/record-snapshot.mjs $1 $G/$2/snapshot.json"; }
scenario() { "$SANDBOX" bash -c "set -e; $1" >/dev/null; }

scenario "$(rec examples/seed.yaml seed-empty)"
scenario "$T apply -y examples/seed.yaml; $(rec examples/seed.yaml seed-applied)"
scenario "$T apply -y examples/seed.yaml
  ip -n ns0 addr add 10.0.0.99/24 dev ceth0
  ip -n ns0 link set ceth0 down
  ip link set veth1 nomaster
  ip -n ns1 link set lo down
  ip link add rogue0 type bridge
  $(rec examples/seed.yaml seed-drift)"
scenario "$T apply -y examples/seed.yaml; ip netns del ns1; sleep 0.2; $(rec examples/seed.yaml seed-ns-deleted)"
scenario "$T apply -y examples/routed-chain.yaml; ip -n r link set eth1 mtu 1400; $(rec $G/chain-moved/lab.yaml chain-moved)"
scenario "$T apply -y examples/dual-stack.yaml; $(rec examples/dual-stack.yaml dual-stack-applied)"
