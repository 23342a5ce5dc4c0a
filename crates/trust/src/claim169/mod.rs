//! Claim 169 identity QR codes: Base45, zlib, a CWT in COSE_Sign1 carrying claim 169.
