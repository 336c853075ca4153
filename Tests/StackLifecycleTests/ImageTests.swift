import Foundation
import LabrunCore
import StackLifecycle
import Testing

@Suite struct ImageInputsTests {
    @Test func tagsAreStableAndTwelveHexCharacters() throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let tag = try inputs.tag(for: .backend)
        #expect(tag.count == 12 && tag.allSatisfy(\.isHexDigit))
        #expect(try inputs.tag(for: .backend) == tag)
        // Same content elsewhere (another checkout, another machine): same tag.
        #expect(try ImageInputs(root: try repo.copy().root).tag(for: .backend) == tag)
        #expect(Set(try StackComponent.allCases.map { try inputs.tag(for: $0) }).count == 3)
    }

    @Test func aChangedInputChangesOnlyTheImagesItFeeds() throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let before = try StackComponent.allCases.map { try inputs.tag(for: $0) }
        try repo.write("stack/backend/app/main.py", "print('changed')\n")
        let afterBackend = try StackComponent.allCases.map { try inputs.tag(for: $0) }
        #expect(afterBackend[0] != before[0])
        #expect(afterBackend[1] == before[1] && afterBackend[2] == before[2])
        try repo.write("docker/build.sh", "#!/bin/sh\necho build v2\n", executable: true)
        let afterCommon = try StackComponent.allCases.map { try inputs.tag(for: $0) }
        #expect(zip(afterCommon, afterBackend).allSatisfy { $0 != $1 })
    }

    @Test func newFilesAndModeChangesCount() throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let before = try inputs.tag(for: .frontend)
        try repo.write("stack/frontend/app.js", "console.log(1)\n")
        let added = try inputs.tag(for: .frontend)
        #expect(added != before)
        try repo.write("stack/frontend/app.js", "console.log(1)\n", executable: true)
        #expect(try inputs.tag(for: .frontend) != added)
    }

    @Test func cachesAndBytecodeAreIgnored() throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let before = try inputs.tag(for: .backend)
        try repo.write("stack/backend/app/__pycache__/main.cpython-311.pyc", "junk")
        try repo.write("stack/backend/app/other.pyc", "junk")
        #expect(try inputs.tag(for: .backend) == before)
        #expect(try inputs.files(for: .backend).contains("stack/backend/app/main.py"))
    }

    @Test func noInputsIsAClearError() {
        #expect(throws: LabrunError.self) { try ImageInputs(root: "/nonexistent-labrun").tag(for: .postgres) }
    }
}

@Suite struct ImageBuilderTests {
    @Test func buildsOnlyWhatIsMissingThroughTheProjectBuild() async throws {
        let repo = try ScratchRepo()
        let inputs = ImageInputs(root: repo.root)
        let backend = "labrun/todo-backend:\(try inputs.tag(for: .backend))"
        let docker = FakeDocker(images: [backend])
        let built = try await ImageBuilder(runner: docker, root: repo.root).ensureBuilt()
        #expect(built[.backend] == backend)
        let builds = docker.commandLines.filter { $0.contains("build.sh") }
        #expect(builds == [
            "\(repo.root)/docker/build.sh --tag \(try inputs.tag(for: .frontend)) --only frontend",
            "\(repo.root)/docker/build.sh --tag \(try inputs.tag(for: .postgres)) --only postgres",
        ])
    }

    @Test func aSecondRunBuildsNothing() async throws {
        let repo = try ScratchRepo()
        let docker = FakeDocker()
        let builder = ImageBuilder(runner: docker, root: repo.root)
        try await builder.ensureBuilt()
        let first = docker.commandLines.filter { $0.contains("build.sh") }.count
        try await builder.ensureBuilt()
        #expect(first == 3)
        #expect(docker.commandLines.filter { $0.contains("build.sh") }.count == 3)
    }
}
