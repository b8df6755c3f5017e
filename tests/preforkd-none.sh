#!/bin/bash
# preforkd-none: the pool tests (tests/preforkd-pool.sh) with -l none.
STRATEGY=none
. "${TOP_SRCDIR:?run the tests through make check}/tests/preforkd-pool.sh"
