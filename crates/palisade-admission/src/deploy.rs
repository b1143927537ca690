//! Deploying the webhook on a cluster: a CA and serving certificate for the service's DNS
//! names (`palisade admission certs`), and the manifests (`palisade admission manifests`).

use base64::Engine as _;

/// PEM files: the CA certificate, the serving certificate and its key.
#[derive(Debug)]
pub struct Certs {
    pub ca_cert: String,
    pub cert: String,
    pub key: String,
}

/// The DNS names the API server uses for a service.
pub fn service_names(service: &str, namespace: &str) -> Vec<String> {
    vec![
        service.to_owned(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ]
}

/// A new CA, and a serving certificate it signs for `names` (DNS names or IP addresses).
pub fn certs(names: &[String], days: u32) -> Result<Certs, rcgen::Error> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let now = time_now();
    let until = now + std::time::Duration::from_secs(u64::from(days) * 86_400);
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "palisade admission CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = now.into();
    ca.not_after = until.into();
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = KeyPair::generate()?;
    let mut server = CertificateParams::new(names.to_vec())?;
    server.distinguished_name.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    server.not_before = now.into();
    server.not_after = until.into();
    let cert = server.signed_by(&key, &issuer)?;
    Ok(Certs {
        ca_cert: ca_cert.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

fn time_now() -> std::time::SystemTime {
    std::time::SystemTime::now()
}

/// Everything to install the webhook: Namespace, ServiceAccount, ConfigMap of the
/// configuration, Deployment (2 replicas, probes, resources, non-root, read-only root
/// filesystem), PodDisruptionBudget, Service, and the validating and mutating webhook
/// configurations (fail closed, no side effects, v1 reviews, its own namespace excluded).
pub fn manifests(namespace: &str, image: &str, ca_pem: &str, timeout_seconds: u32) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem.as_bytes());
    let rules = r#"    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods", "replicationcontrollers", "podtemplates"]
      - apiGroups: ["apps"]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["deployments", "replicasets", "statefulsets", "daemonsets"]
      - apiGroups: ["batch"]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["jobs", "cronjobs"]"#;
    let webhook = |kind: &str, name: &str, path: &str, extra: &str| {
        format!(
            r#"---
apiVersion: admissionregistration.k8s.io/v1
kind: {kind}
metadata:
  name: palisade-admission
webhooks:
  - name: {name}
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: {timeout_seconds}
{extra}    clientConfig:
      caBundle: {ca}
      service:
        name: palisade-admission
        namespace: {namespace}
        path: {path}
        port: 443
    namespaceSelector:
      matchExpressions:
        - key: kubernetes.io/metadata.name
          operator: NotIn
          values: ["{namespace}"]
{rules}
"#
        )
    };
    let mut out = format!(
        r#"apiVersion: v1
kind: Namespace
metadata:
  name: {namespace}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: palisade-admission
  namespace: {namespace}
automountServiceAccountToken: false
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: palisade-admission
  namespace: {namespace}
data:
  admission.yaml: |
    listen: 0.0.0.0:8443
    tls: {{cert: tls/tls.crt, key: tls/tls.key}}
    podSecurity:
      default: {{level: baseline, version: latest}}
      exemptNamespaces: [kube-system, {namespace}]
    images:
      - match: "**"
        action: allow
    mutate: {{pinDigests: true}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: palisade-admission
  namespace: {namespace}
  labels: {{app.kubernetes.io/name: palisade-admission}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app.kubernetes.io/name: palisade-admission}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: palisade-admission}}
    spec:
      serviceAccountName: palisade-admission
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        seccompProfile: {{type: RuntimeDefault}}
      containers:
        - name: webhook
          image: {image}
          args: ["admission", "serve", "--config", "/etc/palisade/admission.yaml"]
          ports:
            - {{name: https, containerPort: 8443}}
          readinessProbe:
            httpGet: {{path: /readyz, port: 8443, scheme: HTTPS}}
          livenessProbe:
            httpGet: {{path: /healthz, port: 8443, scheme: HTTPS}}
          resources:
            requests: {{cpu: 100m, memory: 64Mi}}
            limits: {{cpu: "1", memory: 256Mi}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: ["ALL"]}}
          volumeMounts:
            - {{name: config, mountPath: /etc/palisade, readOnly: true}}
            - {{name: tls, mountPath: /etc/palisade/tls, readOnly: true}}
      volumes:
        - name: config
          configMap: {{name: palisade-admission}}
        - name: tls
          secret: {{secretName: palisade-admission-tls}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: palisade-admission
  namespace: {namespace}
spec:
  minAvailable: 1
  selector:
    matchLabels: {{app.kubernetes.io/name: palisade-admission}}
---
apiVersion: v1
kind: Service
metadata:
  name: palisade-admission
  namespace: {namespace}
spec:
  selector: {{app.kubernetes.io/name: palisade-admission}}
  ports:
    - {{name: https, port: 443, targetPort: 8443}}
"#
    );
    out.push_str(&webhook(
        "ValidatingWebhookConfiguration",
        "validate.admission.palisade.dev",
        "/validate",
        "",
    ));
    out.push_str(&webhook(
        "MutatingWebhookConfiguration",
        "mutate.admission.palisade.dev",
        "/mutate",
        "    reinvocationPolicy: IfNeeded\n",
    ));
    out
}
