import Foundation
import LabrunCore
import StackLifecycle
import StackModel
import Testing

@Suite struct ImageInputsTests {
    @Test func tagsAreStableAndTwelveHexCharacters() throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let tag = try inputs.tag(for: repo.image("backend"))
        #expect(tag.count == 12 && tag.allSatisfy(\.isHexDigit))
        #expect(try inputs.tag(for: repo.image("backend")) == tag)
        // Same content elsewhere (another checkout, another machine): same tag.
        #expect(try ImageInputs(root: try repo.copy().root).tag(for: repo.image("backend")) == tag)
        #expect(Set(try repo.stack.images.map { try inputs.tag(for: $0) }).count == 3)
    }

    @Test func aChangedInputChangesOnlyTheImagesItFeeds() throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let before = try repo.stack.images.map { try inputs.tag(for: $0) }
        try repo.write("stack/backend/app/main.py", "print('changed')\n")
        let afterBackend = try repo.stack.images.map { try inputs.tag(for: $0) }
        #expect(afterBackend[0] != before[0])
        #expect(afterBackend[1] == before[1] && afterBackend[2] == before[2])
        try repo.write("docker/build.sh", "#!/bin/sh\necho build v2\n", executable: true)
        let afterCommon = try repo.stack.images.map { try inputs.tag(for: $0) }
        #expect(afterCommon[0] != afterBackend[0] && afterCommon[1] != afterBackend[1])
        #expect(afterCommon[2] == afterBackend[2], "postgres does not list docker/build.sh among its inputs")
    }

    @Test func newFilesAndModeChangesCount() throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let before = try inputs.tag(for: repo.image("frontend"))
        try repo.write("stack/frontend/app.js", "console.log(1)\n")
        let added = try inputs.tag(for: repo.image("frontend"))
        #expect(added != before)
        try repo.write("stack/frontend/app.js", "console.log(1)\n", executable: true)
        #expect(try inputs.tag(for: repo.image("frontend")) != added)
    }

    @Test func cachesAndBytecodeAreIgnored() throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let before = try inputs.tag(for: repo.image("backend"))
        try repo.write("stack/backend/app/__pycache__/main.cpython-311.pyc", "junk")
        try repo.write("stack/backend/app/other.pyc", "junk")
        #expect(try inputs.tag(for: repo.image("backend")) == before)
        #expect(try inputs.files(for: repo.image("backend")).contains("stack/backend/app/main.py"))
    }

    @Test func noInputsIsAClearErrorNamingTheStackFileKey() throws {
        let repo = try ScratchRepo()
        do {
            _ = try ImageInputs(root: "/nonexistent-labrun").tag(for: repo.image("postgres"))
            Issue.record("missing inputs were accepted")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.imageInputsMissing)
            #expect(error.advice?.contains("images.postgres.inputs") == true)
        }
    }
}

@Suite struct ImageBuilderTests {
    @Test func buildsOnlyWhatIsMissingTheWayTheStackFileSays() async throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let backend = "example/backend:\(try inputs.tag(for: repo.image("backend")))"
        let docker = FakeDocker(images: [backend])
        let built = try await ImageBuilder(runner: docker, stack: repo.stack).ensureBuilt()
        #expect(built["example/backend"] == backend)
        let postgres = "example/postgres:\(try inputs.tag(for: repo.image("postgres")))"
        #expect(built["example/postgres"] == postgres)
        let builds = docker.commandLines.filter { $0.contains("build.sh") || $0.hasPrefix("docker build") }
        #expect(builds == [
            "\(repo.root)/docker/build.sh --tag \(try inputs.tag(for: repo.image("frontend"))) --only frontend",
            "docker build --file \(repo.root)/docker/Dockerfile.postgres --tag \(postgres) --build-arg PG=15 \(repo.root)/docker",
        ])
    }

    @Test func aSecondRunBuildsNothing() async throws {
        let repo = try ScratchRepo()
        let docker = FakeDocker()
        let builder = ImageBuilder(runner: docker, stack: repo.stack)
        try await builder.ensureBuilt()
        let first = docker.commandLines.filter { $0.contains("build.sh") || $0.hasPrefix("docker build") }.count
        try await builder.ensureBuilt()
        #expect(first == 3)
        #expect(docker.commandLines.filter { $0.contains("build.sh") || $0.hasPrefix("docker build") }.count == 3)
    }
}
