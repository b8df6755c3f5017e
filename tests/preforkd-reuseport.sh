#!/bin/bash
# preforkd-reuseport: the pool tests (tests/preforkd-pool.sh) with -l reuseport.
STRATEGY=reuseport
. "${TOP_SRCDIR:?run the tests through make check}/tests/preforkd-pool.sh"
