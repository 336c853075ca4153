import Foundation

/// The project's `kubernetes/` for tests that render it: a copy whose credentials files (git-ignored,
/// written per machine by `kubernetes/generate-secret.sh`) hold throwaway test values, so a test needs
/// neither the script nor a machine's real secrets.
public enum TestManifests {
    /// The files generate-secret.sh writes under `base/`, with test values.
    public static let secrets: [(path: String, content: String)] = [
        ("base/secrets/todo-db.env", "POSTGRES_USER=todo\nPOSTGRES_PASSWORD=test-only\nPOSTGRES_DB=todo\n"),
        ("base/secrets/todo-auth.env", "JWT_SECRET=test-only-key-of-at-least-thirty-two-bytes\n"),
        ("base/secrets/todo-model.env", "MODEL_API_KEY=test-only-model-key\n"),
        ("base/secrets/todo-model-control.env", "MODEL_CONTROL_TOKEN=test-only-model-control\n"),
    ]

    /// Copies the `kubernetes` directory `source` to `destination` and writes the test credentials there.
    public static func copy(_ source: String, to destination: String) throws {
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        for secret in secrets {
            let path = destination + "/" + secret.path
            try? FileManager.default.removeItem(atPath: path)
            try secret.content.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
