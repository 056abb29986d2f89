"""The Moxie-style clinic (seed 004): a five-step booking widget with no member login, driven in
the browser; `adapter` maps it onto the engine's interface, `browser` clicks through it."""
