// GET /api/me: who this credential is, for the viewer's header and what it offers.
import type {Handler} from '../http/route';

export const handleMe: Handler = ({who}) => ({status: 200, json: {name: who!.name, role: who!.role, projects: who!.projects}});
