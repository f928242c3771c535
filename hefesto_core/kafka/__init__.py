"""Kafka plumbing shared by the CLI, the streams and the tests: topic
declarations (:mod:`.topics`) and the local Apache Kafka broker
(:mod:`.broker`)."""
