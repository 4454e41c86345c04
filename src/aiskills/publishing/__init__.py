"""Publishing the framework in the formats the competency ecosystem reads: CASE 1.1 and CTDL-ASN."""
