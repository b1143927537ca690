//! The Kubernetes manifests of the sensor agent: a DaemonSet that runs `palisade detect --live`
//! on every node, with what it needs and no more.

/// The ClusterRole rules the response actions need (delete, label and isolate pods; taint and
/// cordon nodes), besides reading pods and namespaces for attribution.
pub const CLUSTER_ROLE_RULES: &str = r#"  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "delete", "patch"]
  - apiGroups: [""]
    resources: ["namespaces"]
    verbs: ["get", "list", "watch"]
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["get", "patch"]
  - apiGroups: ["networking.k8s.io"]
    resources: ["networkpolicies"]
    verbs: ["get", "create", "patch"]
"#;

/// Namespace, ServiceAccount, ClusterRole and binding, the ConfigMap of rules (empty: fill it
/// with `kubectl create configmap palisade-rules --from-file=...`), and the DaemonSet:
///
/// - `hostPID` (the sensor reads every process's `/proc`), privileged (loading eBPF programs
///   needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN on most kernels),
/// - the host's `/etc` read-only at `/host/etc` (users and groups) and the container runtimes'
///   sockets (names, images and labels of containers),
/// - resources requested and limited, tolerations for every taint (a node without the agent is
///   a node nobody watches), and the node name in `NODE_NAME` for the response actions.
pub fn manifests(namespace: &str, image: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Namespace
metadata:
  name: {namespace}
  labels:
    pod-security.kubernetes.io/enforce: privileged
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: palisade-agent
  namespace: {namespace}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: palisade-agent
rules:
{CLUSTER_ROLE_RULES}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: palisade-agent
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: palisade-agent
subjects:
  - kind: ServiceAccount
    name: palisade-agent
    namespace: {namespace}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: palisade-rules
  namespace: {namespace}
data: {{}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: palisade-agent
  namespace: {namespace}
  labels:
    app.kubernetes.io/name: palisade-agent
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: palisade-agent
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  template:
    metadata:
      labels:
        app.kubernetes.io/name: palisade-agent
    spec:
      serviceAccountName: palisade-agent
      hostPID: true
      priorityClassName: system-node-critical
      tolerations:
        - operator: Exists
          effect: NoSchedule
        - operator: Exists
          effect: NoExecute
      containers:
        - name: agent
          image: {image}
          args:
            - detect
            - --live
            - --json
            - --host-etc
            - /host/etc
            - -r
            - /etc/palisade/rules
          env:
            - name: NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
          securityContext:
            privileged: true
            readOnlyRootFilesystem: true
          resources:
            requests:
              cpu: 100m
              memory: 256Mi
            limits:
              memory: 1Gi
          volumeMounts:
            - name: rules
              mountPath: /etc/palisade/rules
              readOnly: true
            - name: host-etc
              mountPath: /host/etc
              readOnly: true
            - name: containerd
              mountPath: /run/containerd/containerd.sock
            - name: crio
              mountPath: /run/crio/crio.sock
            - name: docker
              mountPath: /var/run/docker.sock
            - name: podman
              mountPath: /run/podman/podman.sock
      volumes:
        - name: rules
          configMap:
            name: palisade-rules
        - name: host-etc
          hostPath:
            path: /etc
            type: Directory
        - name: containerd
          hostPath:
            path: /run/containerd/containerd.sock
            type: ""
        - name: crio
          hostPath:
            path: /run/crio/crio.sock
            type: ""
        - name: docker
          hostPath:
            path: /var/run/docker.sock
            type: ""
        - name: podman
          hostPath:
            path: /run/podman/podman.sock
            type: ""
"#
    )
}
