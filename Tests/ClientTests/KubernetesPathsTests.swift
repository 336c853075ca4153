import KubernetesClient
import Testing

@Suite("URLs of every Kubernetes verb")
struct KubernetesPathsTests {
    let paths = KubernetesPaths(server: "https://127.0.0.1:6443/")

    @Test func getNamespacedAndClusterScoped() {
        #expect(paths.get(.pods, namespace: "todo", name: "web-0") == "https://127.0.0.1:6443/api/v1/namespaces/todo/pods/web-0")
        #expect(paths.get(.deployments, namespace: "todo", name: "backend") == "https://127.0.0.1:6443/apis/apps/v1/namespaces/todo/deployments/backend")
        #expect(paths.get(.namespaces, namespace: "ignored", name: "todo") == "https://127.0.0.1:6443/api/v1/namespaces/todo")
    }

    @Test func listWithSelectorsIsEncoded() {
        let url = paths.list(.pods, namespace: "todo", options: ListOptions(
            labelSelector: "app.kubernetes.io/name=todo,tier!=db", fieldSelector: "status.phase=Running", limit: 50, continueToken: "abc=="))
        #expect(url == "https://127.0.0.1:6443/api/v1/namespaces/todo/pods?labelSelector=app.kubernetes.io%2Fname%3Dtodo%2Ctier%21%3Ddb&fieldSelector=status.phase%3DRunning&limit=50&continue=abc%3D%3D")
        #expect(paths.list(.pods, namespace: nil, options: ListOptions()) == "https://127.0.0.1:6443/api/v1/pods")
    }

    @Test func createReplacePatch() {
        #expect(paths.create(.configMaps, namespace: "todo") == "https://127.0.0.1:6443/api/v1/namespaces/todo/configmaps?fieldManager=labrun")
        #expect(paths.replace(.statefulSets, namespace: "todo", name: "postgres") == "https://127.0.0.1:6443/apis/apps/v1/namespaces/todo/statefulsets/postgres?fieldManager=labrun")
        #expect(paths.patch(.deployments, namespace: "todo", name: "backend") == "https://127.0.0.1:6443/apis/apps/v1/namespaces/todo/deployments/backend?fieldManager=labrun")
    }

    @Test func deleteWithGraceAndPropagation() {
        let url = paths.delete(.pods, namespace: "todo", name: "web-0",
                               options: DeleteOptions(gracePeriodSeconds: 0, propagationPolicy: .foreground))
        #expect(url == "https://127.0.0.1:6443/api/v1/namespaces/todo/pods/web-0?gracePeriodSeconds=0&propagationPolicy=Foreground")
        #expect(paths.delete(.namespaces, namespace: nil, name: "x", options: DeleteOptions()) == "https://127.0.0.1:6443/api/v1/namespaces/x")
    }

    @Test func serverSideApply() {
        #expect(paths.apply(.deployments, namespace: "todo", name: "backend", options: ApplyOptions())
                == "https://127.0.0.1:6443/apis/apps/v1/namespaces/todo/deployments/backend?fieldManager=labrun&force=true")
        #expect(paths.apply(.services, namespace: "todo", name: "b", options: ApplyOptions(fieldManager: "me", force: false, dryRun: true))
                == "https://127.0.0.1:6443/api/v1/namespaces/todo/services/b?fieldManager=me&dryRun=All")
    }

    @Test func watchResumesFromAVersion() {
        let url = paths.watch(.pods, namespace: "todo", options: WatchOptions(labelSelector: "a=b", requestTimeout: 60), resourceVersion: "1234")
        #expect(url == "https://127.0.0.1:6443/api/v1/namespaces/todo/pods?watch=1&labelSelector=a%3Db&resourceVersion=1234&allowWatchBookmarks=true&timeoutSeconds=60")
    }

    @Test func podLogs() {
        let url = paths.logs(namespace: "todo", pod: "backend-1", options: LogOptions(container: "backend", tailLines: 100, previous: true))
        #expect(url == "https://127.0.0.1:6443/api/v1/namespaces/todo/pods/backend-1/log?container=backend&tailLines=100&previous=true")
    }

    @Test func namesAreEscaped() {
        #expect(paths.get(.configMaps, namespace: "todo", name: "a b/c") == "https://127.0.0.1:6443/api/v1/namespaces/todo/configmaps/a%20b%2Fc")
    }
}
