#!/usr/bin/env bash
# Checks the Kubernetes manifests offline: each Kustomize overlay builds, and what it builds passes
# strict schema validation for the oldest and newest Kubernetes we support; the Prometheus alert
# rules load and their unit tests pass. Installs its tools into .tools (kustomize and promtool from
# the Go module proxy, kubernetes-validate from PyPI) the first time.
# Then loads docker-compose.yml as Compose does (deploy/compose-check, on compose-go).
set -euo pipefail
cd "$(dirname "$0")/.."
KUSTOMIZE_VERSION=v5.7.1
KUBERNETES_VALIDATE_VERSION=1.37.0
KUBERNETES_VERSIONS=(1.30.0 1.37.0)
# promtool from Prometheus' own Go module (its v0.3xx.y versions are Prometheus 3.xx.y).
PROMTOOL_VERSION=v0.316.0

mkdir -p .tools/bin .data/deploy-check
kustomize=.tools/bin/kustomize
if ! "$kustomize" version 2>/dev/null | grep -q "$KUSTOMIZE_VERSION"; then
  echo "== building kustomize $KUSTOMIZE_VERSION (about a minute, once)"
  GOBIN="$PWD/.tools/bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi
promtool=.tools/bin/promtool
if ! go version -m "$promtool" 2>/dev/null | grep -qE "mod\s+github.com/prometheus/prometheus\s+$PROMTOOL_VERSION\s"; then
  echo "== building promtool $PROMTOOL_VERSION (about 15 minutes on two cores, once)"
  GOBIN="$PWD/.tools/bin" go install "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION"
fi
validate=.tools/venv/bin/kubernetes-validate
if ! "$validate" --version 2>/dev/null | grep -q "$KUBERNETES_VALIDATE_VERSION"; then
  echo "== installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION"
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi

for overlay in deploy/k8s/overlays/*/; do
  name=$(basename "$overlay")
  out=".data/deploy-check/$name.yaml"
  "$kustomize" build "$overlay" > "$out"
  for version in "${KUBERNETES_VERSIONS[@]}"; do
    "$validate" --strict --quiet --kubernetes-version "$version" "$out"
  done
  # Each process gets only the Secrets it uses (README "Configuration" says which).
  node -e '
    const docs = require("node:fs").readFileSync(process.argv[1], "utf8").split(/^---$/m);
    const wants = { "worker-main": ["retail-sitoo", "retail-business-central", "retail-shopify-api", "retail-stripe", "retail-temporal", "retail-team-webhooks"],
      "worker-inventory": ["retail-sitoo", "retail-business-central", "retail-shopify-api", "retail-temporal"],
      "worker-catalogue": ["retail-sitoo", "retail-business-central", "retail-shopify-api", "retail-temporal"],
      "receiver": ["retail-events", "retail-shopify-webhooks", "retail-temporal", "retail-codec", "retail-ops"] };
    for (const [name, secrets] of Object.entries(wants)) {
      const doc = docs.find((d) => /kind: Deployment/.test(d) && new RegExp(`^  name: ${name}$`, "m").test(d));
      if (!doc) throw new Error(`${process.argv[2]}: no Deployment ${name}`);
      const found = [...doc.matchAll(/secretRef:\s*\n?\s*name: (\S+)/g)].map((m) => m[1]).sort();
      if (found.join() !== [...secrets].sort().join()) throw new Error(`${process.argv[2]}: ${name} mounts ${found} but should mount ${secrets}`);
    }
  ' "$out" "$name"
  # A local overlay runs with no outside account: every address the processes and the simulators
  # are given must be a Service of the overlay, on a port that Service exposes.
  if [ "$name" = local ]; then
    node -e '
      const YAML = require("yaml");
      const docs = YAML.parseAllDocuments(require("node:fs").readFileSync(process.argv[1], "utf8")).map((d) => d.toJS());
      const services = new Map(docs.filter((d) => d.kind === "Service").map((s) => [s.metadata.name, s.spec.ports.map((p) => p.port)]));
      const config = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "retail-integration-config").data;
      const sims = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "simulators").spec.template.spec.containers[0].env;
      const addresses = [
        ...Object.entries(config).filter(([k]) => /_URL$/.test(k)).map(([k, v]) => [k, v]),
        ...sims.filter((e) => /_URL$/.test(e.name)).map((e) => [e.name, e.value]),
        ["TEMPORAL_ADDRESS", `grpc://${config.TEMPORAL_ADDRESS}`],
      ];
      for (const [key, value] of addresses) {
        // BC_SCOPE is an identifier; TEMPORAL_UI_URL is where a browser finds the UI (a port-forward), not a process.
        if (key === "BC_SCOPE" || key === "TEMPORAL_UI_URL") continue;
        const url = new URL(value);
        const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
        if (!services.get(url.hostname)?.includes(port))
          throw new Error(`local overlay: ${key}=${value} is not a Service of the overlay on port ${port}`);
      }
    ' "$out"
    echo "deploy/k8s/overlays/local: every address is a Service of the overlay (no outside account)"
  fi
  echo "deploy/k8s/overlays/$name: builds, valid (strict) for Kubernetes ${KUBERNETES_VERSIONS[*]}, secrets per process"
done

echo "== Prometheus alert rules"
"$promtool" check rules deploy/k8s/base/monitoring/alert-rules.yaml
(cd deploy/k8s/base/monitoring && "$OLDPWD/$promtool" test rules alert-rules.test.yaml)

# Rebuilt every run (Go's build cache makes that quick), so a change to the check takes effect.
echo "== docker-compose.yml"
(cd deploy/compose-check && go build -o ../../.tools/bin/compose-check .)
: > .data/deploy-check/empty.env
.tools/bin/compose-check docker-compose.yml .env.example .data/deploy-check/empty.env
