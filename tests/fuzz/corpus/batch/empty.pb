

test-agent