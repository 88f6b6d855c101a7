# Sourced by compare.sh and recheck.sh: `bench_config STORE_TOML WORKERS` prints regwatch's
# configuration for the benchmark site at $SITE (one source, the generic profile, WORKERS
# requests in flight, no politeness delay), its store as STORE_TOML says (`path = …` or
# `url = …`). bench/ab.py writes the same in Python.
bench_config() {
  cat <<TOML
[store]
$1
[http]
max_body_bytes = 1048576
[politeness]
concurrency = $2
per_host_concurrency = $2
min_interval_ms = 0
[[source]]
id = "bench"
profile = "generic"
regime = "bench"
url = "$SITE/index.html"
schedule = "0 * * * *"
robots_txt = false
# One index page lists every page: past the default cap of 1,000 links at N = 10,000.
max_links = 100000
$(cat "$(dirname "${BASH_SOURCE[0]}")/generic-source.toml")
TOML
}
