export { CLOSE_CODES, type CloseCode } from "./close-codes.ts";
export {
  DOMAIN_CODE_PATTERN,
  ERROR_CODES,
  type ErrorCode,
  HTTP_STATUS_BY_CODE,
  HubError,
  isHubErrorCode,
  type WireError,
} from "./errors.ts";
