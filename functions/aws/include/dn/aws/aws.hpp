// Everything of dn::aws in one include.
#pragma once

#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/aws/dynamodb.hpp"
#include "dn/aws/encoding.hpp"
#include "dn/aws/errors.hpp"
#include "dn/aws/result.hpp"
#include "dn/aws/retry.hpp"
#include "dn/aws/s3.hpp"
#include "dn/aws/secrets_manager.hpp"
#include "dn/aws/sqs.hpp"
