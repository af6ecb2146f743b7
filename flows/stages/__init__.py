"""One module per stage: its staging, gate inputs and publish (flows.pipeline runs them)."""
