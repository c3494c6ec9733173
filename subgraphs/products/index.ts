import { runStandalone } from '../kit/standalone';
import { productsSubgraph } from './subgraph';

void runStandalone(productsSubgraph);
