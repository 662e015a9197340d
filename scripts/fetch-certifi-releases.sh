#!/bin/sh
# Downloads every certifi release from PyPI with pip (wheel when there is one, else the
# sdist) and extracts its cacert.pem to $OUT/<version>.pem, for examples/removed_roots.rs.
# The downloads stay out of git (target/ is ignored). Usage:
#   scripts/fetch-certifi-releases.sh [OUT]     (default target/certifi-releases)
set -eu
OUT=${1:-target/certifi-releases}
mkdir -p "$OUT/dl"
versions=$(pip index versions certifi 2>/dev/null | sed -n 's/^Available versions: //p' | tr -d ',')
[ -n "$versions" ] || { echo "pip index versions certifi gave nothing" >&2; exit 1; }
for v in $versions; do
    [ -s "$OUT/$v.pem" ] && continue
    d="$OUT/dl/$v"; mkdir -p "$d"
    if ! pip download "certifi==$v" --no-deps --no-build-isolation --only-binary :all: -d "$d" -q 2>/dev/null; then
        pip download "certifi==$v" --no-deps --no-binary :all: -d "$d" -q 2>"$d/err" || { echo "skip $v: $(tail -1 "$d/err")" >&2; continue; }
    fi
    f=$(ls "$d" | grep -E '\.(whl|tar\.gz|zip)$' | head -1)
    case "$f" in
        *.whl|*.zip) python3 - "$d/$f" "$OUT/$v.pem" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = [n for n in z.namelist() if n.endswith("cacert.pem")]
open(sys.argv[2], "wb").write(z.read(names[0]))
PY
        ;;
        *.tar.gz) python3 - "$d/$f" "$OUT/$v.pem" <<'PY'
import sys, tarfile
t = tarfile.open(sys.argv[1])
m = [m for m in t.getmembers() if m.name.endswith("cacert.pem")]
open(sys.argv[2], "wb").write(t.extractfile(m[0]).read())
PY
        ;;
        *) echo "skip $v: no file" >&2 ;;
    esac
done
ls "$OUT"/*.pem | wc -l
