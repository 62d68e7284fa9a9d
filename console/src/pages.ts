// The console's pages: a path pattern, the component and what the navigation calls it. Add a page here.

import type { ComponentType } from "preact";
import type { Params } from "./router.js";
import type { Role } from "./api/types.js";
import { OverviewPage } from "./pages/Overview.js";
import { DevicesPage } from "./pages/Devices.js";
import { DevicePage } from "./pages/Device.js";
import { ProvisioningPage } from "./pages/Provisioning.js";
import { FilesPage } from "./pages/Files.js";
import { CampaignPage } from "./pages/Campaign.js";
import { AdminPage } from "./pages/Admin.js";
import { ProvisioningDocumentPage } from "./pages/ProvisioningDocument.js";

export interface Page {
  path: string;
  component: ComponentType<{ params: Params }>;
  /** The navigation's label; pages without one (a device) are reached by links. */
  nav?: string;
  /** The role the page is for: the navigation hides it from lower roles (the page says so itself). */
  role?: Role;
  /** The page's title, for the document and screen readers. */
  title(params: Params): string;
}

export const pages: Page[] = [
  { path: "/", component: OverviewPage, nav: "Overview", title: () => "Overview" },
  { path: "/devices", component: DevicesPage, nav: "Devices", title: () => "Devices" },
  { path: "/devices/:id", component: DevicePage, title: (p) => `Device ${p.id ?? ""}` },
  { path: "/provisioning", component: ProvisioningPage, nav: "Provisioning", title: () => "Provisioning" },
  { path: "/files", component: FilesPage, nav: "Files", title: () => "Files and campaigns" },
  { path: "/campaigns/:id", component: CampaignPage, title: () => "Campaign" },
  { path: "/admin", component: AdminPage, nav: "Admin", role: "admin", title: () => "Administration" },
  { path: "/provisioning/:kind/:name", component: ProvisioningDocumentPage, title: (p) => `${p.kind === "provisions" ? "Provision" : "Preset"} ${p.name ?? ""}` },
];
