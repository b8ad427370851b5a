#!/usr/bin/env bash
# same_outputs.sh DIR_A DIR_B: exits 0 when two `snsim run -o` result directories hold the same
# outputs: stats.json, stats.txt, links.json and every .npy byte for byte (a machine run writes no
# wall-clock figure into them), and the same set of files. For changes meant to alter speed only
# (docs/performance.md records which runs were compared).
set -euo pipefail
a=$1 b=$2
diff <(cd "$a" && find . -type f ! -name '*.tmp' | sort) <(cd "$b" && find . -type f ! -name '*.tmp' | sort) \
  || { echo "same_outputs: the file sets differ" >&2; exit 1; }
status=0
while IFS= read -r f; do
  cmp -s "$a/$f" "$b/$f" || { echo "same_outputs: $f differs" >&2; status=1; }
done < <(cd "$a" && find . -type f ! -name '*.tmp' | sort)
[ "$status" = 0 ] && echo "same_outputs: $(cd "$a" && find . -type f | wc -l) files identical ($a, $b)"
exit "$status"
