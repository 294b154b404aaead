"""CDK feature flags the stack is written for, shipped with the package instead of in cdk.json so
that an installed Dendro synthesizes the same template from any folder."""

from __future__ import annotations

FEATURE_FLAGS: dict[str, object] = {
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/core:enablePartitionLiterals": True,
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/core:checkSecretUsage": True,
    "@aws-cdk/aws-iam:standardizedServicePrincipals": True,
    "@aws-cdk/aws-s3:createDefaultLoggingPolicy": True,
    "@aws-cdk/aws-sns:restrictSqsDescryption": True,
    "@aws-cdk/aws-lambda:useLatestRuntimeVersion": True,
    "@aws-cdk/customresources:installLatestAwsSdkDefault": False,
}
