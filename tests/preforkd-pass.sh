#!/bin/bash
# preforkd-pass: the pool tests (tests/preforkd-pool.sh) with -l pass.
STRATEGY=pass
. "${TOP_SRCDIR:?run the tests through make check}/tests/preforkd-pool.sh"
