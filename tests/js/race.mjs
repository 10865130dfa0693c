// The JavaScript SDK v3, unmodified, against `stoprace serve`: create a classifier, let it train for
// STOP_AT seconds (the clock moved through the control API), stop it, and poll until its status is final,
// moving the clock a minute between polls; then start, stop and describe a Translate job.
// Usage: node race.mjs ENDPOINT STOP_AT  (prints one JSON line: the statuses polled and the final one)
import {
  ComprehendClient,
  CreateDocumentClassifierCommand,
  DescribeDocumentClassifierCommand,
  StopTrainingDocumentClassifierCommand,
} from "@aws-sdk/client-comprehend";
import {
  DescribeTextTranslationJobCommand,
  StartTextTranslationJobCommand,
  StopTextTranslationJobCommand,
  TranslateClient,
} from "@aws-sdk/client-translate";

const [endpoint, stopAt] = process.argv.slice(2);
const config = {
  endpoint,
  region: "eu-west-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
};
const comprehend = new ComprehendClient(config);
const control = async (path, body) => {
  const answer = await fetch(`${endpoint}/_stoprace/${path}`, { method: "POST", body: JSON.stringify(body) });
  if (!answer.ok) throw new Error(`control ${path}: ${answer.status}`);
  return answer.json();
};
const FINAL = new Set(["TRAINED", "TRAINED_WITH_WARNING", "IN_ERROR", "STOPPED", "DELETING"]);

const { DocumentClassifierArn: arn } = await comprehend.send(
  new CreateDocumentClassifierCommand({
    DocumentClassifierName: "news-js",
    DataAccessRoleArn: "arn:aws:iam::123456789012:role/comprehend",
    InputDataConfig: { S3Uri: "s3://training-data/news.csv" },
    LanguageCode: "en",
  }),
);
await control("clock/advance", { seconds: Number(stopAt) });
await comprehend.send(new StopTrainingDocumentClassifierCommand({ DocumentClassifierArn: arn }));
const polled = [];
for (let poll = 0; poll < 100; poll++) {
  const { DocumentClassifierProperties: p } = await comprehend.send(
    new DescribeDocumentClassifierCommand({ DocumentClassifierArn: arn }),
  );
  polled.push(p.Status);
  if (FINAL.has(p.Status)) break;
  await control("clock/advance", { seconds: 60 });
}

const translate = new TranslateClient(config);
const { JobId: jobId } = await translate.send(
  new StartTextTranslationJobCommand({
    JobName: "docs-js",
    InputDataConfig: { S3Uri: "s3://input-docs/", ContentType: "text/plain" },
    OutputDataConfig: { S3Uri: "s3://output-docs/" },
    DataAccessRoleArn: "arn:aws:iam::123456789012:role/translate",
    SourceLanguageCode: "en",
    TargetLanguageCodes: ["fr"],
  }),
);
const stopped = await translate.send(new StopTextTranslationJobCommand({ JobId: jobId }));
const { TextTranslationJobProperties: job } = await translate.send(
  new DescribeTextTranslationJobCommand({ JobId: jobId }),
);
console.log(
  JSON.stringify({
    arn,
    polled,
    final: polled.at(-1),
    translation: { stop: stopped.JobStatus, status: job.JobStatus, submitted: job.SubmittedTime?.toISOString() },
  }),
);
