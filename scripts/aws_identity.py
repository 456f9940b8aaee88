"""Prints the caller's AWS identity; exits non-zero (with the reason) when there are no usable
credentials. Used by deploy.sh and smoke tests before touching an AWS environment."""
import sys

import botocore.exceptions
import botocore.session


def main() -> int:
    session = botocore.session.get_session()
    if session.get_credentials() is None:
        print("no AWS credentials found (environment, profile, or web identity)", file=sys.stderr)
        return 1
    try:
        identity = session.create_client("sts").get_caller_identity()
    except botocore.exceptions.BotoCoreError as err:
        print(f"credentials rejected: {err}", file=sys.stderr)
        return 1
    except botocore.exceptions.ClientError as err:
        print(f"credentials rejected: {err}", file=sys.stderr)
        return 1
    print(identity["Arn"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
