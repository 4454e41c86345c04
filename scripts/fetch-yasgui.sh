#!/usr/bin/env bash
# Vendor YASGUI (@zazuko/yasgui, MIT) for the query page: its built files and licence under
# web/static/yasgui/. Redo with a new version: `bash scripts/fetch-yasgui.sh 4.6.2`.
set -euo pipefail
version="${1:-4.6.2}"
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/web/static/yasgui"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@zazuko/yasgui@$version" >/dev/null)
tar -xzf "$work"/zazuko-yasgui-"$version".tgz -C "$work"
mkdir -p "$out"
cp "$work/package/build/yasgui.min.js" "$work/package/build/yasgui.min.css" "$out/"
# The package declares "license": "MIT" and ships no licence file: write the MIT text with its authors.
node -e '
const p = require(process.argv[1]);
const who = [p.author, ...(p.contributors || []).map(c => c.name || c)].join(", ");
console.log(`${p.name} ${p.version}: ${p.license} licence (${p.homepage})

Copyright (c) ${who}

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.`);
' "$work/package/package.json" > "$out/LICENSE"
echo "@zazuko/yasgui $version" > "$out/VERSION"
ls -l "$out"
