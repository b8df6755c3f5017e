#!/bin/bash
# preforkd-mutex: the pool tests (tests/preforkd-pool.sh) with -l mutex.
STRATEGY=mutex
. "${TOP_SRCDIR:?run the tests through make check}/tests/preforkd-pool.sh"
