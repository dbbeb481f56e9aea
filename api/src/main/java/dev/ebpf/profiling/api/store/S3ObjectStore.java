package dev.ebpf.profiling.api.store;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Puts objects into one bucket of an S3-compatible store with the AWS SDK v2 (which signs the
 * requests), and turns its failures into a {@link StoreFailure} plus one line of explanation. One client per store
 * and key pair: build a new one when the mounted Secret changes.
 */
public final class S3ObjectStore implements AutoCloseable {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final int HTTP_FORBIDDEN = 403;
    private static final int HTTP_NOT_FOUND = 404;

    private final ObjectStoreDefinition config;
    private final StoreCredentials credentials;
    private final S3Client client;

    public S3ObjectStore(ObjectStoreDefinition config, StoreCredentials credentials) {
        this.config = config;
        this.credentials = credentials;
        this.client = S3Client.builder()
                .endpointOverride(config.endpointUri())
                .region(Region.of(config.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey())))
                // Path-style (endpoint/bucket/key): S3-compatible stores rarely have wildcard DNS.
                .forcePathStyle(config.pathStyle())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT))
                // No SDK retries: a failed upload is reported and counted; the next slice is the
                // next try, and a node must not sit in back-off while its next slice comes.
                .overrideConfiguration(
                        o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallTimeout(API_CALL_TIMEOUT))
                // Flexible checksums only where S3 requires them: many S3-compatible stores reject
                // the streaming trailer the SDK would otherwise add to every put.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    /** Puts one object; on failure says why in one line. */
    public void put(StoredObject object) throws StoreException {
        PutObjectRequest request = PutObjectRequest.builder()
                .bucket(config.bucket())
                .key(object.key())
                .contentType(object.contentType())
                .build();
        try {
            client.putObject(request, RequestBody.fromBytes(object.content()));
        } catch (S3Exception e) {
            throw classify(e, object.key());
        } catch (SdkClientException e) {
            throw diagnose(e, object.key());
        }
    }

    /**
     * A put that failed without an S3 answer. Some stores (s3proxy among them) answer a put into a
     * missing bucket or with a bad signature before reading the body and close the connection, so
     * the client only sees "error writing request body". A bodiless HEAD of the bucket then gets
     * the real answer; if it gets none either, the store is unreachable.
     */
    private StoreException diagnose(SdkClientException failure, String key) {
        try {
            client.headBucket(
                    HeadBucketRequest.builder().bucket(config.bucket()).build());
        } catch (S3Exception e) {
            return classify(e, key);
        } catch (SdkClientException e) {
            // unreachable for the HEAD as well: fall through
        }
        return new StoreException(
                StoreFailure.STORE_UNREACHABLE,
                "object store " + config.endpoint() + " is unreachable: " + rootMessage(failure),
                failure);
    }

    /** {@code s3://bucket/key}, the form the status links with. */
    public String uriOf(String key) {
        return "s3://" + config.bucket() + "/" + key;
    }

    private StoreException classify(S3Exception e, String key) {
        String code = e.awsErrorDetails() == null
                ? ""
                : nullToEmpty(e.awsErrorDetails().errorCode());
        String where = "object store " + config.endpoint() + " bucket '" + config.bucket() + "'";
        return switch (code) {
            case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken" ->
                new StoreException(
                        StoreFailure.BAD_CREDENTIALS,
                        where + " rejected the credentials of access key '" + credentials.accessKeyId() + "' (" + code
                                + ")",
                        e);
            case "NoSuchBucket" ->
                new StoreException(StoreFailure.BUCKET_MISSING, where + " does not exist (NoSuchBucket)", e);
            case "AccessDenied" ->
                new StoreException(
                        StoreFailure.ACCESS_DENIED,
                        where
                                + " denied writing " + key + " to access key '"
                                + credentials.accessKeyId()
                                + "' (AccessDenied)",
                        e);
            default -> {
                if (code.isEmpty() && e.statusCode() == HTTP_NOT_FOUND) {
                    yield new StoreException(StoreFailure.BUCKET_MISSING, where + " does not exist (HTTP 404)", e);
                }
                if (code.isEmpty() && e.statusCode() == HTTP_FORBIDDEN) {
                    yield new StoreException(
                            StoreFailure.BAD_CREDENTIALS,
                            where + " refused access key '" + credentials.accessKeyId() + "' (HTTP 403)",
                            e);
                }
                yield new StoreException(
                        StoreFailure.UPLOAD_FAILED,
                        where + " refused " + key + ": HTTP " + e.statusCode() + (code.isEmpty() ? "" : " " + code),
                        e);
            }
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && !root.getCause().equals(root)) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    public StoreCredentials credentials() {
        return credentials;
    }

    @Override
    public void close() {
        client.close();
    }
}
