/** Command-line tools (npm run partner, eval, train). */
import { declareOptions, option } from '../option';

export const toolOptions = declareOptions('Command-line tools', {
  GATEWAY_URL: option.string({ defaultText: '`http://127.0.0.1:GATEWAY_PORT`', description: 'The gateway `npm run partner` talks to.' }),
  ADMIN_TOKEN: option.string({
    defaultText: 'a 5-minute admin token signed with `JWT_SECRET`',
    description: 'Admin token `npm run partner` sends.',
    secret: true,
  }),
  ML100K_DIR: option.string({
    defaultText: '`../shared/data/ml-100k`',
    description: 'MovieLens 100K folder for `npm run eval` and the tests.',
  }),
});
