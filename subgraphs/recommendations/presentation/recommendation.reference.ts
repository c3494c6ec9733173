import { Product, User } from './recommendation';

/** Users and products are owned elsewhere; this subgraph only adds fields to them. */
export const resolveUserReference = (reference: Pick<User, 'id'>) => Object.assign(new User(), { id: reference.id });
export const resolveProductReference = (reference: Pick<Product, 'id'>) => Object.assign(new Product(), { id: reference.id });
