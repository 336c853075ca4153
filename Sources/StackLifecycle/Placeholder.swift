// Placeholder until the target gets its code.
