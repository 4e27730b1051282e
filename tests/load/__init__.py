"""Load tests of the load-test kit itself (loadtests/): timing accuracy, fault counts, distributed mode."""
