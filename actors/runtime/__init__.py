"""The actor runtime: activation, turns, persistence, passivation, timers."""
