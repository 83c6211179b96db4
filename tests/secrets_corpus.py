"""Secret forms a child might print, each with the secret itself (which must never be
written, reported or copied). Made-up values of the real formats."""

from __future__ import annotations

from typing import Final

CORPUS: Final[list[tuple[str, str, str]]] = [
    # (form, line as printed, the secret in it)
    (
        "convex deploy key",
        "deploying with prod:happy-animal-123|eyJ2MjUwNjAxIjoiM2Y0ZTJmYTEifQ== now",
        "eyJ2MjUwNjAxIjoiM2Y0ZTJmYTEifQ==",
    ),
    (
        "convex admin key",
        "admin key dev:brave-otter-42|0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef",
    ),
    (
        "openai key",
        "OpenAI key sk-proj-Abcdefghijklmnop1234567890",
        "sk-proj-Abcdefghijklmnop1234567890",
    ),
    (
        "anthropic key",
        "using sk-ant-api03-Zyxwvutsrqponmlkjih987654321",
        "sk-ant-api03-Zyxwvutsrqponmlkjih987654321",
    ),
    (
        "stripe secret key",
        "stripe: sk_live_51HqLyjWDarjtT1zdp7dcXYZabc",
        "sk_live_51HqLyjWDarjtT1zdp7dcXYZabc",
    ),
    ("aws access key id", "AWS id AKIAIOSFODNN7EXAMPLE in use", "AKIAIOSFODNN7EXAMPLE"),
    (
        "aws secret key (lowercase name)",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "github token",
        "cloning with ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    ),
    (
        "github fine-grained token",
        "token github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
    ),
    ("gitlab token", "glpat-xxxxYYYYzzzz1234abcd pushed", "glpat-xxxxYYYYzzzz1234abcd"),
    (
        "slack bot token",
        "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    (
        "slack webhook",
        "posting to https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "XXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "google api key",
        "maps key AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    ),
    (
        "npm token",
        "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
    ),
    (
        "telegram bot token",
        "bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 started",
        "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
    ),
    (
        "jwt",
        "session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    (
        "password in a url",
        "connecting to postgres://app:s3cr3t-pa55@db.internal:5432/app",
        "s3cr3t-pa55",
    ),
    ("json apiKey", '{"apiKey": "AbCdEf123456GhIjKl", "model": "gpt"}', "AbCdEf123456GhIjKl"),
    ("json password", "{'password': 'correct-horse-battery'}", "correct-horse-battery"),
    ("lowercase password=", "login password=hunter2-really user=bob", "hunter2-really"),
    ("lowercase api_key=", "GET /v1/data?api_key=q1w2e3r4t5y6u7i8&page=2", "q1w2e3r4t5y6u7i8"),
    ("uppercase NAME_KEY=", "OPENAI_API_KEY=abcd1234efgh5678 set", "abcd1234efgh5678"),
    ("yaml secret", "client_secret: 9f8e7d6c5b4a3210fedcba", "9f8e7d6c5b4a3210fedcba"),
    (
        "azure connection string",
        "DefaultEndpointsProtocol=https;AccountName=dev;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu;EndpointSuffix=core",
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu",
    ),
    ("bearer token", "Authorization: Bearer abcdef.123456.xyz789QWE", "abcdef.123456.xyz789QWE"),
    (
        "basic auth",
        "Authorization: Basic dXNlcjpzdXBlcnNlY3JldHBhc3N3b3Jk",
        "dXNlcjpzdXBlcnNlY3JldHBhc3N3b3Jk",
    ),
    (
        "admin key flag",
        "running npx convex deploy --admin-key 0c0ffee0c0ffee0c0ffee0c0ffee",
        "0c0ffee0c0ffee0c0ffee0c0ffee",
    ),
    ("token flag with =", "cli --token=tk_9a8b7c6d5e4f3a2b1c", "tk_9a8b7c6d5e4f3a2b1c"),
    (
        "password with a slash in a url",
        "cache at redis://default:Ab/cd+ef12345@cache:6379/0",
        "Ab/cd+ef12345",
    ),
    (
        "password with an @ in a url",
        "db postgres://app:p@ssw0rd-9f8e@db.internal/app",
        "p@ssw0rd-9f8e",
    ),
    (
        "escaped json apiKey",
        'payload: {\\"apiKey\\": \\"AbCdEfGh1234567890XyZ\\"}',
        "AbCdEfGh1234567890XyZ",
    ),
    (
        "quoted password with spaces",
        'password = "correct horse battery staple"',
        "horse battery staple",
    ),
    ("password with commas", "password=abc,def,ghi123", "def,ghi123"),
    (
        "sendgrid key",
        "SENDGRID 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",
        "TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr",
    ),
    (
        "hugging face token",
        "hub login hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
    ),
    (
        "shopify token",
        "shop shpat_0123456789abcdef0123456789abcdef",
        "shpat_0123456789abcdef0123456789abcdef",
    ),
    (
        "pypi token",
        "upload pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoLTEyMzQtNTY3OC05MGFiLWNkZWYxMjM0NTY3OAACJXsicGVy",
        "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoLTEyMzQtNTY3OC05MGFiLWNkZWYxMjM0NTY3OAACJXsicGVy",
    ),
    (
        "age secret key",
        "AGE-SECRET-KEY-1QQPQQN3ZYW5S2Y8F9CQX0P6GH5FN0W9X9WQZ3T7XKZ0LS6W2QYQSZ8Y6CE",
        "QQPQQN3ZYW5S2Y8F9CQX0P6GH5FN0W9X9WQZ3T7XKZ0LS6W2QYQSZ8Y6CE",
    ),
    (
        "secret split by a colour code",
        "key sk-\x1b[1mABCDEFGHIJ\x1b[0mklmnopqrstuv0123",
        "ABCDEFGHIJ",
    ),
]
"""One line each."""

PEM_KEY: Final = [
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
    "-----END RSA PRIVATE KEY-----",
]
"""A private key printed over several lines: its body is the secret."""
PEM_SECRET: Final = "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"

PGP_KEY: Final = [
    "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    "",
    "lQOYBGVxY2EBCADK3nMq2ZfR8rVqkE5mW0bS2a3JqgkT0v1u9Xh2Lk1Yw6mN8pQz",
    "=Kp9z",
    "-----END PGP PRIVATE KEY BLOCK-----",
]
"""An OpenPGP private key block, as `gpg --export-secret-keys --armor` prints it."""
PGP_SECRET: Final = "lQOYBGVxY2EBCADK3nMq2ZfR8rVqkE5mW0bS2a3JqgkT0v1u9Xh2Lk1Yw6mN8pQz"

SECRETS: Final = [secret for _, _, secret in CORPUS] + [PEM_SECRET, PEM_KEY[2], PGP_SECRET]
"""Everything that must never appear in a file, a report or the clipboard."""
