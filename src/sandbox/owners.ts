// A portal's owners: the users records can be assigned to through `hubspot_owner_id`. Each
// portal starts with one owner for its synthetic user; the control API adds and archives more.
// Shapes follow HUBSPOT-API.md ("Owners"): an archived owner keeps its `id`, its `userId`
// becomes null and the user id stays in `userIdIncludingInactive`.

export interface OwnerTeam {
  id: string;
  name: string;
  primary: boolean;
}

export interface Owner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number | null;
  userIdIncludingInactive: number;
  type: 'PERSON';
  teams: OwnerTeam[];
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface OwnerInput {
  email: string;
  firstName?: string;
  lastName?: string;
  userId?: number;
  teams?: OwnerTeam[];
}

export class OwnerStore {
  readonly #owners = new Map<string, Owner>();
  #nextId: number;
  #nextUserId: number;

  constructor(portalId: number) {
    // Owner ids are numbers in HubSpot, distinct from user ids; keep them apart here too.
    this.#nextId = 80_000_001 + (portalId % 1000) * 1000;
    this.#nextUserId = 9_000_001 + (portalId % 1000) * 1000;
  }

  add(input: OwnerInput, now: number): Owner {
    const at = new Date(now).toISOString();
    const userId = input.userId ?? this.#nextUserId++;
    const owner: Owner = {
      id: String(this.#nextId++),
      email: input.email,
      firstName: input.firstName ?? '',
      lastName: input.lastName ?? '',
      userId,
      userIdIncludingInactive: userId,
      type: 'PERSON',
      teams: input.teams ?? [],
      archived: false,
      createdAt: at,
      updatedAt: at,
    };
    this.#owners.set(owner.id, owner);
    return owner;
  }

  /** Archives an owner (a deactivated user); returns undefined for an unknown id. */
  archive(id: string, now: number): Owner | undefined {
    const owner = this.#owners.get(id);
    if (!owner) return undefined;
    if (!owner.archived) {
      owner.archived = true;
      owner.userId = null;
      owner.updatedAt = new Date(now).toISOString();
    }
    return owner;
  }

  get(id: string): Owner | undefined {
    return this.#owners.get(id);
  }

  /** Whether records may be assigned to this id: an owner that exists and is not archived. */
  isActive(id: string): boolean {
    const owner = this.#owners.get(id);
    return owner !== undefined && !owner.archived;
  }

  /** Owners in id order, archived or not. */
  list(archived: boolean): Owner[] {
    return [...this.#owners.values()].filter((o) => o.archived === archived);
  }
}
