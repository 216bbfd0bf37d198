"""The README is tested (issue 18, item 9): every shell block of its tour ("A tour", up to
"Documentation") runs, as written, against a fresh server of the build under test.

The blocks run in one bash, in a scratch copy of the layout the README assumes (the
repository's root as the working directory, build/truce, scenarios/, ../shared), with only
these stand-ins: the ports (free ones for 8080, the centre's, and 8081, the witness's),
`make run` (a shell function doing what the Makefile's run target does after building — the
test checks that recipe — on that port), and
curl with --fail-with-body, so an HTTP error stops the tour. The tour waits for the server
to be up before it reads demo-tokens.tsv, and uses two parties, so the site's owner receives
the conflict notice and acknowledges it.
"""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import unittest

from harness import BIN, ROOT, SANITIZER_MARKS, SHARED, main

README = os.path.join(ROOT, "README.md")

PREAMBLE = r'''
set -euo pipefail
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT     # a tour that stops leaves no server behind
curl() { command curl --fail-with-body "$@"; }      # an HTTP error stops the tour
make() {                                             # `make run [REGIONS=F]` as the Makefile's run target
    [ "${1:-}" = run ] || { echo "make $*: not in the tour" >&2; return 2; }
    local regions=""
    for a in "$@"; do case $a in REGIONS=*) regions=${a#REGIONS=} ;; esac; done
    if [ ! -f truce.db ]; then
        build/truce import scenario scenarios/syria-2016-2017.json --db truce.db --tokens demo-tokens.tsv \
            ${regions:+--regions "$regions" --make-valid} || return 1
        chmod 600 demo-tokens.tsv
        build/truce import reports scenarios/reports-2016.ndjson --as JMC --db truce.db || return 1
    fi
    exec build/truce serve --db truce.db --listen 127.0.0.1:__PORT__
}
'''


def tour_blocks():
    with open(README) as f:
        text = f.read()
    tour = text[text.index("## A tour"):text.index("## Documentation")]
    return re.findall(r"```sh\n(.*?)```", tour, re.S)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@unittest.skipUnless(os.path.exists(os.path.join(SHARED, "data", "conflict", "ucdp_ged_syria_2016_2017.csv")),
                     "no ../shared data")
class ReadmeTourTest(unittest.TestCase):
    def test_makefile_run_is_what_the_stand_in_does(self):
        with open(os.path.join(ROOT, "Makefile")) as f:
            mk = f.read()
        recipe = mk[mk.index("\nrun: build"):mk.index("\ntest:")]
        for piece in ("import scenario $(SCENARIO) --db $(DB) --tokens demo-tokens.tsv",
                      "$(if $(REGIONS),--regions $(REGIONS) --make-valid,)", "chmod 600 demo-tokens.tsv",
                      "import reports $(REPORTS) --as JMC --db $(DB)", "serve --db $(DB) --listen $(LISTEN)",
                      "if [ ! -f \"$(DB)\" ]"):
            self.assertIn(piece, recipe)
        self.assertIn("SCENARIO ?= scenarios/syria-2016-2017.json", mk)
        self.assertIn("REPORTS ?= scenarios/reports-2016.ndjson", mk)

    def test_the_tour_runs(self):
        blocks = tour_blocks()
        self.assertEqual(len(blocks), 2)
        self.assertTrue(blocks[0].startswith("make run &"))
        self.assertRegex(blocks[0], r"make run &.*\nuntil curl -s http://127\.0\.0\.1:8080/v1/health")
        work = tempfile.mkdtemp(prefix="truce-readme-")
        try:
            repo = os.path.join(work, "repo")
            os.makedirs(os.path.join(repo, "build"))
            os.symlink(BIN, os.path.join(repo, "build", "truce"))
            os.symlink(os.path.join(ROOT, "scenarios"), os.path.join(repo, "scenarios"))
            os.symlink(os.path.abspath(SHARED), os.path.join(work, "shared"))
            port, witness_port = free_port(), free_port()
            script = PREAMBLE.replace("__PORT__", str(port)) + "\n".join(blocks).replace(
                "127.0.0.1:8080", "127.0.0.1:%d" % port).replace("127.0.0.1:8081", "127.0.0.1:%d" % witness_port)
            p = subprocess.run(["bash", "-c", script], cwd=repo, capture_output=True, text=True, timeout=560)
            out, err = p.stdout, p.stderr
            self.assertEqual(p.returncode, 0, "the tour stopped:\n" + err[-4000:] + "\n--- stdout:\n" + out[-3000:])
            for mark in SANITIZER_MARKS:
                self.assertNotIn(mark, err)
            self.check_outputs(out, err)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def check_outputs(self, out, err):
        # the owner of the warehouse, not the operation's party, is named in the conflict and notified
        self.assertRegex(out, r'"conflicts":\[\{[^]]*"type":"site","id":1[^]]*"owner":"UN-OCHA"')
        self.assertRegex(out, r'"kind":"conflict","about":\{"type":"operation","id":1\}')
        self.assertRegex(out, r'"acked_at":"[0-9T:-]+Z"')
        self.assertIn('"cargo":[{"kind":"food","tonnes":120.5},{"kind":"medical","tonnes":4.2}]', out)
        self.assertIn("#activity+code", out)                         # the HXL export of movements
        self.assertRegex(out, r'"id":14,"classification":\{"agreement_id":1,"class":"violation"')
        self.assertIn("# Daily bulletin 2016-09-19", out)
        self.assertIn("# النشرة اليومية 2016-09-19", out)
        self.assertRegex(out, r'"changed_since":"\d+","cursor":"\d+"')
        self.assertRegex(out, r"OK: http://127\.0\.0\.1:\d+\n")  # the audit as a witness
        self.assertIn("OK: the receipt", out)
        self.assertRegex(out, r"UNMAS\s+mine_action\s+\S+\s+active")
        # the second block: real boundaries repaired, every UCDP event, the bulletin in Arabic
        self.assertIn("repaired --regions features[10] (Lattakia): invalid polygon: Self-intersection", err)
        self.assertIn("rows read 11757, imported 11757, rejected 0", out)
        self.assertIn("# النشرة اليومية 2017-04-04", out)
        self.assertIn("| إدلب |", out)


if __name__ == "__main__":
    main()
