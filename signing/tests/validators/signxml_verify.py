"""Verifies one XAdES signature file of an unzipped ASiC-E container with signxml.

Usage: signxml_verify.py CONTAINER_ROOT SIGNATURE_XML CA_PEM EXPECTED_REFERENCES

EXPECTED_REFERENCES counts every ds:Reference (the data files plus the one to the
SignedProperties): signxml's XAdESVerifier expects exactly 3 unless told. Relative URIs are
resolved against CONTAINER_ROOT (percent-decoded). Prints the verified URIs and exits 0, or
prints the error and exits 1.
"""

import os
import sys
import urllib.parse

from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier


def main() -> int:
    root, signature, ca_pem, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    def resolve(uri: str) -> bytes:
        path = os.path.join(root, urllib.parse.unquote(uri))
        with open(path, "rb") as f:
            return f.read()

    with open(signature, "rb") as f:
        data = f.read()
    try:
        results = XAdESVerifier().verify(
            data,
            ca_pem_file=ca_pem,
            expect_config=XAdESSignatureConfiguration(expect_references=expected),
            uri_resolver=resolve,
        )
    except Exception as e:  # any failure is the answer we report
        print(f"INVALID: {type(e).__name__}: {e}")
        return 1
    print(f"VALID: {len(results)} references")
    return 0


if __name__ == "__main__":
    sys.exit(main())
