"""Verifies cosign's classic image signatures independently of palisade: reads the
`sha256-<hex>.sig` manifest from a registry with the OCI distribution API (urllib), checks
each layer's `dev.cosignproject.cosign/signature` over the layer's bytes with the
`cryptography` package (ECDSA P-256, SHA-256, DER), and that the simple-signing payload names
the image digest.

Usage: verify_sig.py REGISTRY REPOSITORY DIGEST PUBKEY.pem USER PASSWORD
Prints the number of valid signatures; exit 0 when there is at least one.
"""
import base64
import hashlib
import json
import sys
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

registry, repo, digest, key_path, user, password = sys.argv[1:7]
auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def get(path, accept="*/*"):
    req = urllib.request.Request(f"http://{registry}/v2/{repo}/{path}", headers={"Authorization": auth, "Accept": accept})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


key = serialization.load_pem_public_key(open(key_path, "rb").read())
manifest = json.loads(get("manifests/" + digest.replace(":", "-") + ".sig", "application/vnd.oci.image.manifest.v1+json"))
valid = 0
for layer in manifest["layers"]:
    blob = get("blobs/" + layer["digest"])
    if "sha256:" + hashlib.sha256(blob).hexdigest() != layer["digest"]:
        continue
    sig = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
    try:
        key.verify(sig, blob, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        continue
    payload = json.loads(blob)
    if payload["critical"]["image"]["docker-manifest-digest"] == digest and \
            payload["critical"]["type"] == "cosign container image signature":
        valid += 1
print(valid)
sys.exit(0 if valid else 1)
