import { runStandalone } from '../kit/standalone';
import { usersSubgraph } from './subgraph';

void runStandalone(usersSubgraph);
