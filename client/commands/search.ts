import { EXIT } from '../../protocol/errors.js';
import { SearchRequest } from '../../protocol/search.js';
import { formatSearchText } from '../../protocol/search-format.js';
import type { Invocation } from '../args.js';
import { withClient, type CliIo } from '../cli-io.js';
import { renderSearchJson } from '../render.js';
import { existingRoot } from '../root.js';

type SearchArgs = Extract<Invocation, { command: 'search' }>;

/** `llmr search QUERY`: ranked files, as the tag mode's search frame or as `{"results":[…]}`. */
export async function runSearch(args: SearchArgs, io: CliIo): Promise<number> {
  const root = await existingRoot(args.root, io.cwd, io.stderr);
  const params = { root, query: args.query, ...(args.limit !== undefined ? { limit: args.limit } : {}) };
  const result = await withClient(io, args.noSpawn, (client) => client.call(SearchRequest, params));
  if (args.json) io.stdout.write(renderSearchJson(result));
  else {
    const text = formatSearchText(args.query, result, { maxResults: result.limit ?? args.limit ?? Number.POSITIVE_INFINITY });
    io.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }
  return EXIT.OK;
}
