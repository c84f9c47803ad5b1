// Who else is signed in to the desk, for the pickers of New internal chat and Reassign.
// The server lists operators with their status only alongside one of my chats' transfer
// targets; a page that names a plain operators URL (data-operators-url) is asked that instead.

import { chatEndpoints, getJson } from "./desk-api.js";
import { gettext } from "./i18n.js";

export class OperatorDirectory {
  /**
   * @param {{operatorsUrl?: string, chatApi: string}} config
   * @param {() => string[]} myChatIds  ids of chats I own, newest knowledge first
   */
  constructor(config, myChatIds) {
    this.config = config;
    this.myChatIds = myChatIds;
  }

  /** {operators: [{id, name, online, availability, unavailable_reason}]} or {error}. */
  async load() {
    const url = this.config.operatorsUrl || this.viaMyChat();
    if (!url) return { error: gettext("Open one of your patron chats first: the list of operators online comes with it.") };
    const answer = await getJson(url);
    if (!answer.ok) return { error: answer.error };
    return { operators: answer.data.operators || [] };
  }

  async online() {
    const result = await this.load();
    if (result.error) return result;
    return { operators: result.operators.filter((operator) => operator.online) };
  }

  viaMyChat() {
    const [chatId] = this.myChatIds();
    return chatId ? chatEndpoints(this.config.chatApi, chatId).transferTargets : null;
  }
}
