// Placeholder until the target gets its tests.
